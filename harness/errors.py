"""One root error with a few subclasses that carry parsed fields and the raw output."""

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
    """A device could not be prepared, driven or restored."""

    def __init__(self, device_id: str, message: str, output: str = "") -> None:
        self.device_id = device_id
        self.output = output
        super().__init__(f"device {device_id}: {message}")


class AppIncompatible(DeviceError):
    """The app cannot run on this device's system (precheck or install refused it): a compatibility
    finding about the app, not a fault of the harness."""

    def __init__(self, device_id: str, message: str, reason: str = "", output: str = "") -> None:
        self.reason = reason
        self.message = message
        super().__init__(device_id, message, output)


class BackendUnavailable(DeviceError):
    """The backend for a farm entry is missing on this machine (or not built yet)."""


class CaptureError(FingertipError):
    """The capture proxy failed to start or stopped while a run was recording."""

    def __init__(self, message: str, output: str = "") -> None:
        self.output = output
        super().__init__(message)
