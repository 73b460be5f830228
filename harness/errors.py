"""Whose fault it is decides what happens: one root error, a subclass per kind of fault.

- device (DeviceError; DeviceLost when the device or its session is gone): reopen the device and retry the
  cell; a device that a health probe finds gone counts toward its quarantine.
- UI (UiError): the app's UI did not offer what an action needed; the explorer notes it and goes on (AppHung:
  it stopped answering; the walk ends, the session is thrown away).
- host (HostError: CaptureError, BackendUnavailable): this machine failed; the cell is `error` (`skip` for a
  backend missing here) naming the host problem, and no device is blamed or quarantined.
- package (PackageError, AppIncompatible): the app cannot be read or installed; a compatibility finding
  (16-compat fails) and the other articles are skipped.
- config (ConfigError): bad input; exit 2 naming file and line.

An app's own misbehaviour (a crash, a hang, a blank screen) is never an exception: it is an observation.
Faults are told apart by type, never by the text of a message (an app controls the text of its own errors).
"""

from __future__ import annotations

from pathlib import Path


class FingertipError(Exception):
    """Root of every error the harness raises on purpose."""


class ConfigError(FingertipError):
    """A farm or scenario file is wrong; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class DeviceError(FingertipError):
    """A device could not be prepared, driven or restored (its side of the wire failed)."""

    def __init__(self, device_id: str, message: str, output: str = "") -> None:
        self.device_id = device_id
        self.output = output
        super().__init__(f"device {device_id}: {message}")


class DeviceLost(DeviceError):
    """The device, its connection or its automation session is gone (browser or driver dead, adb / hdc lost
    the device): reopen it and try again."""


class UiError(FingertipError):
    """The app's UI did not offer what an action needed: a control went away, no system picker opened, the
    app is no longer in front. The app's behaviour, noted by the explorer; never a device fault."""

    def __init__(self, device_id: str, message: str) -> None:
        self.device_id = device_id
        super().__init__(f"device {device_id}: {message}")


class AppHung(UiError):
    """A command to the app's UI got no answer within its bounded time (a page spinning in a script, a
    renderer that stopped): the app's behaviour, noted like any UiError. The walk ends there, since every
    later command would queue behind the hung one, and the device throws that session away."""


class CellTimeout(FingertipError):
    """A cell ran past its wall-clock watchdog (its budgets plus a margin): the cell is `error` naming where it
    hung, the device is closed and reopened for the next cell; no retry (it would hang alike), no quarantine."""

    def __init__(self, limit_s: float, where: str) -> None:
        self.limit_s = limit_s
        self.where = where
        super().__init__(f"ran past its {limit_s:.0f} s watchdog, hung at {where}")


class HostError(FingertipError):
    """This machine failed the run: the capture proxy, a sample server, a tool that is missing or broken
    here. Reported as the harness's problem; never blamed on a device."""


class CaptureError(HostError):
    """The capture proxy failed to start or stopped while a run was recording."""

    def __init__(self, message: str, output: str = "") -> None:
        self.output = output
        super().__init__(message)


class BackendUnavailable(HostError):
    """The backend for a farm entry is missing on this machine (or not built yet): its cells are `skip`."""

    def __init__(self, device_id: str, message: str) -> None:
        self.device_id = device_id
        super().__init__(f"device {device_id}: {message}")


class PackageError(FingertipError):
    """The app's package cannot be read (not a zip, a malformed manifest, names that fail validation, sizes
    past the caps). `fingertip inspect` exits 2; in a sweep it is a compatibility finding."""

    def __init__(self, path: Path | str, message: str, reason: str = "PACKAGE_INVALID") -> None:
        self.path = Path(path)
        self.message = message
        self.reason = reason
        super().__init__(f"{self.path}: {message}")


class AppIncompatible(FingertipError):
    """The app cannot run on this device's system (precheck or install refused it): a compatibility
    finding about the app, not a fault of the harness or the device."""

    def __init__(self, device_id: str, message: str, reason: str = "", output: str = "") -> None:
        self.device_id = device_id
        self.reason = reason
        self.message = message
        self.output = output
        super().__init__(f"device {device_id}: {message}")
