"""The sweep's state on one pytest process: farm, open devices and their leases, the current run.

One run of an app on a device feeds all its checks: the first check item of a cell runs the app
and writes the cell's results at once; the cell's other items read them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.checks.base import Check
from harness.checks.registry import checks_for as checks_for_platform
from harness.config.farm import DeviceSpecBase, Farm
from harness.config.scenario import Scenario
from harness.devices.lease import DeviceBusy, DeviceLease
from harness.devices.protocol import Device
from harness.devices.registry import PLATFORM_OF_KIND, open_device
from harness.errors import (
    AppIncompatible,
    BackendUnavailable,
    CellTimeout,
    DeviceError,
    DeviceLost,
    FingertipError,
    HostError,
    PackageError,
)
from harness.observe.model import Observations
from harness.reports.results import CELL_RESULTS, judge, missing_record, write_cell
from harness.reports.run_page import write_run_pages
from harness.run import RunPaths, execute_run

log = logging.getLogger("fingertip")


QUARANTINE_AFTER = 2
"""Device faults in one sweep after which a device is not used again (its cells: error, saying why)."""


def finished_cell(root: Path, checks: list[Check]) -> dict[str, dict[str, Any]] | None:
    """A cell's records from an earlier attempt at this sweep, when every check has one and none is an
    error (those cells run again on --resume)."""
    try:
        records = {r["check"]: r for r in json.loads((root / CELL_RESULTS).read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if {c.name for c in checks} - set(records) or any(r.get("verdict") == "error" for r in records.values()):
        return None
    return records


WATCHDOG_MARGIN_S = 180.0
"""A cell's wall clock beyond its own budgets: servers and proxy, launch, settling past the last action, the IPv6
probes, restoring the device. Every device command is bounded too: this catches what hangs anyway."""


def watchdog_s(scenario: Scenario, margin: float = WATCHDOG_MARGIN_S) -> float:
    """A cell's wall-clock limit: exploring, dwelling, the IPv6-only walk, scripted waits, plus `margin`."""
    waits = sum(step.wait or 0.0 for step in scenario.steps)
    return scenario.explore.budget_s + scenario.explore.dwell_s + scenario.ipv6.only_pass_s + waits + margin


def where_stuck(thread: threading.Thread) -> str:
    """The innermost project frames of a running thread: where a cell hangs, for its error."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None:
        return "unknown"
    root = Path(__file__).resolve().parents[1]
    stack = [(Path(f.filename).resolve(), f) for f in traceback.extract_stack(frame)]
    ours = [(p.relative_to(root), f) for p, f in stack if p.is_relative_to(root)]
    shown = ours[-3:] or [(p, f) for p, f in stack[-1:]]
    return " ← ".join(f"{p.as_posix() if ours else p.name}:{f.lineno} {f.name}" for p, f in reversed(shown))


def checks_for(scenario: Scenario) -> list[Check]:
    return checks_for_platform(scenario.platform)


def devices_for(scenario: Scenario, farm: Farm) -> list[DeviceSpecBase]:
    return [d for d in farm.devices if PLATFORM_OF_KIND[d.kind] == scenario.platform]


class SweepSession:
    def __init__(self, farm: Farm, sweep_dir: Path, sweep_id: str, lease_dir: Path, masked: bool = True,
                 resume: bool = False, retries: int = 1, watchdog_margin_s: float = WATCHDOG_MARGIN_S) -> None:
        self.farm = farm
        self.watchdog_margin_s = watchdog_margin_s
        self.resume = resume
        self.retries = retries
        self._faults: Counter[str] = Counter()
        self._quarantined: dict[str, str] = {}
        self.masked = masked
        self.sweep_dir = sweep_dir
        self.sweep_id = sweep_id
        self.lease_dir = lease_dir
        self._devices: dict[str, tuple[Device, contextlib.ExitStack]] = {}
        self._unavailable: dict[str, str] = {}
        self._cell: tuple[str, str] | None = None
        self._records: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"<SweepSession {self.sweep_id} devices={list(self._devices)}>"

    def _device(self, spec: DeviceSpecBase, wait: bool = True) -> Device:
        if spec.id in self._devices:
            return self._devices[spec.id][0]
        if spec.id in self._unavailable:
            raise BackendUnavailable(spec.id, self._unavailable[spec.id])
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(DeviceLease(self.lease_dir, spec.id, wait=wait))
            device = stack.enter_context(open_device(spec, self.sweep_dir / "devices"))
        except BackendUnavailable as e:
            stack.close()
            self._unavailable[spec.id] = str(e)
            raise
        except BaseException:
            stack.close()
            raise
        self._devices[spec.id] = (device, stack)
        return device

    def record_for(self, scenario: Scenario, spec: DeviceSpecBase, check: Check) -> dict[str, Any]:
        cell = (scenario.id, spec.id)
        if self._cell != cell:
            self._records = self._run_cell(scenario, spec)
            self._cell = cell
        return self._records[check.name]

    def run_cell(self, scenario: Scenario, spec: DeviceSpecBase) -> dict[str, dict[str, Any]]:
        """The cell run now, its records by check (a multi-host worker: each call is a new task)."""
        return self._run_cell(scenario, spec)

    def _run_cell(self, scenario: Scenario, spec: DeviceSpecBase) -> dict[str, dict[str, Any]]:
        paths = RunPaths.for_cell(self.sweep_dir, scenario.id, spec.id)
        cell_dir = paths.root.relative_to(self.sweep_dir).as_posix()
        checks = checks_for(scenario)

        def without_run(verdict: str, summary: str) -> dict[str, dict[str, Any]]:
            return {c.name: missing_record(scenario.id, scenario.name, spec.id, scenario.platform, c, verdict,
                                           summary, cell_dir) for c in checks}

        finished = finished_cell(paths.root, checks) if self.resume else None
        if finished is not None:
            log.info("resume: %s@%s finished before, kept", scenario.id, spec.id)
            return finished
        records = self._attempts(scenario, spec, paths.root, without_run)
        write_cell(paths.root, list(records.values()))
        write_run_pages(self.sweep_dir, list(records.values()))  # reviewers can open it while the sweep goes on
        return records

    def _attempts(self, scenario: Scenario, spec: DeviceSpecBase, root: Path,
                  without_run: Callable[[str, str], dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
        """Run the cell. What happens on an error depends on whose fault it is (harness/errors.py): a device
        fault reopens the device and tries again, up to `retries` times, and a device a health probe finds
        gone counts toward its quarantine; a host fault ends the cell as `error` without blaming the device;
        a package the device cannot take is the compatibility finding itself."""
        checks = checks_for(scenario)
        cell_dir = root.relative_to(self.sweep_dir).as_posix()
        for attempt in range(self.retries + 1):
            if spec.id in self._quarantined:
                elsewhere = self._on_an_equivalent_device(scenario, spec, checks, cell_dir)
                return elsewhere or without_run(
                    "error", f"设备已隔离（本次扫描中故障 {self._faults[spec.id]} 次），未运行："
                             f"{self._quarantined[spec.id]}")
            try:
                device = self._device(spec)
                observations = self._watched(scenario, spec, root, functools.partial(
                    execute_run, scenario, device, self.sweep_dir, self.sweep_id, self.masked))
            except BackendUnavailable as e:
                return without_run("skip", f"设备不可用：{e}")
            except CellTimeout as e:
                log.error("run %s@%s: %s; device reopened for the next cell", scenario.id, spec.id, e)
                return without_run("error", f"运行超过看门狗时限 {e.limit_s:.0f} 秒，卡在 {e.where}；"
                                            "设备已关闭，下一单元重新打开")
            except (AppIncompatible, PackageError) as e:  # the compatibility finding; other articles not run
                return self._incompatible(scenario, spec, checks, cell_dir, e.message, e.reason, without_run)
            except HostError as e:
                log.error("run %s@%s: host problem, no device blamed: %s", scenario.id, spec.id, e)
                return without_run("error", f"检测主机故障（不归咎于设备）：{e}")
            except DeviceError as e:
                lost = isinstance(e, DeviceLost) or not self._healthy(spec)
                log.error("run %s@%s failed (attempt %d, device %s): %s", scenario.id, spec.id, attempt + 1,
                          "lost" if lost else "still answering", e)
                self._drop_device(spec)  # reopened (reconnected, restarted) on the next attempt
                if lost:
                    self._faults[spec.id] += 1
                    if self._faults[spec.id] >= QUARANTINE_AFTER:
                        self._quarantined[spec.id] = str(e)
                if attempt == self.retries or spec.id in self._quarantined:
                    tried = f"（共尝试 {attempt + 1} 次）" if attempt else ""
                    elsewhere = self._on_an_equivalent_device(scenario, spec, checks, cell_dir) if lost else None
                    return elsewhere or without_run("error", f"运行出错{tried}：{e}")
            except FingertipError as e:  # the app's UI or hooks stopped the run itself: the device is fine
                log.error("run %s@%s stopped: %s", scenario.id, spec.id, e)
                return without_run("error", f"运行中止：{e}")
            except Exception as e:  # a harness bug must cost one cell, not the sweep; retrying will not help
                root.mkdir(parents=True, exist_ok=True)
                (root / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
                return without_run("error", f"运行出错（harness）：{type(e).__name__}: {e}")
            else:
                records = {r["check"]: r for r in judge(observations, checks, cell_dir)}
                if attempt:
                    for record in records.values():
                        record["run"]["retried"] = attempt
                return records
        raise AssertionError("unreachable: the last attempt returns")

    def _watched(self, scenario: Scenario, spec: DeviceSpecBase, root: Path,
                 run: Callable[[], Observations]) -> Observations:
        """`run` with a wall-clock watchdog. The run stays on this (the main) thread, so Ctrl-C and SIGTERM land
        in it and it unwinds as always (device restored, proxy stopped); the watchdog is a thread that, past the
        limit, notes where the run hangs and closes the device under it (its browser, driver and Appium end, so
        what waits on them returns). The run then ends as CellTimeout naming that place, and a run cut short
        this way keeps no observations a recheck could judge."""
        limit = watchdog_s(scenario, self.watchdog_margin_s)
        running = threading.current_thread()
        finished = threading.Event()
        stuck: list[str] = []

        def watchdog() -> None:
            if not finished.wait(limit):
                stuck.append(where_stuck(running))
                self._drop_device(spec)  # reopened by the next cell that needs it

        guard = threading.Thread(target=watchdog, name=f"watchdog {scenario.id}@{spec.id}", daemon=True)
        guard.start()
        try:
            result = run()
        except KeyboardInterrupt:
            raise
        except BaseException:
            if not stuck:
                raise
            result = None
        finally:
            finished.set()
            guard.join()
        if stuck:
            with contextlib.suppress(OSError):
                (root / "observations.json").replace(root / "observations-unfinished.json")
            raise CellTimeout(limit, stuck[0])
        assert result is not None
        return result

    def _incompatible(self, scenario: Scenario, spec: DeviceSpecBase, checks: list[Check], cell_dir: str,
                      message: str, reason: str,
                      without_run: Callable[[str, str], dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
        records = without_run("skip", f"应用无法在此设备安装，未运行：{message}")
        for check in checks:
            if check.article == "16-compat":
                records[check.name] = missing_record(
                    scenario.id, scenario.name, spec.id, scenario.platform, check, "fail",
                    f"应用无法在 {spec.id} 上安装运行：{message}", cell_dir)
                records[check.name]["details"] = {"install_refused": reason}
        return records

    def _healthy(self, spec: DeviceSpecBase) -> bool:
        """The health probe after a device fault: does the open device still answer its own transport
        (adb / hdc state, the WebDriver session)? A device not open any more is not healthy."""
        opened = self._devices.get(spec.id)
        if opened is None:
            return False
        try:
            return opened[0].healthy()
        except Exception:  # the probe itself failing is the answer
            return False

    def equivalents(self, spec: DeviceSpecBase) -> list[DeviceSpecBase]:
        """Farm devices that can stand in for `spec`: same kind and the same labels (so the same OS class
        in the compatibility matrix), not quarantined or unavailable in this sweep."""
        return [d for d in self.farm.devices
                if d.id != spec.id and d.kind == spec.kind and sorted(d.labels) == sorted(spec.labels)
                and d.id not in self._quarantined and d.id not in self._unavailable]

    def _on_an_equivalent_device(self, scenario: Scenario, spec: DeviceSpecBase, checks: list[Check],
                                 cell_dir: str) -> dict[str, dict[str, Any]] | None:
        """The cell run once on a free equivalent device (never waiting for one another worker holds);
        None when there is none or it failed too."""
        for other in self.equivalents(spec):
            try:
                device = self._device(other, wait=False)
                observations = self._watched(scenario, other, self.sweep_dir / cell_dir, functools.partial(
                    execute_run, scenario, device, self.sweep_dir, self.sweep_id, self.masked, cell_device=spec.id))
            except DeviceBusy:
                continue
            except DeviceError as e:
                log.error("run %s@%s on %s failed too: %s", scenario.id, spec.id, other.id, e)
                self._drop_device(other)
                self._faults[other.id] += 1
                continue
            except FingertipError as e:  # not the device's fault: another one would fail alike
                log.error("run %s@%s on %s failed: %s", scenario.id, spec.id, other.id, e)
                self._drop_device(other)
                return None
            log.warning("run %s@%s ran on %s instead", scenario.id, spec.id, other.id)
            self._drop_device(other)  # its own cells may be another worker's: give the lease back
            records = {r["check"]: r for r in judge(observations, checks, cell_dir)}
            for record in records.values():
                record["run"]["ran_on"] = other.id
            return records
        return None

    def quarantined(self, device_id: str) -> str | None:
        """Why the device is not used again in this sweep, or None."""
        return self._quarantined.get(device_id)

    def stand_in_for(self, spec: DeviceSpecBase, why: str) -> None:
        """Cells of `spec`, a device this session may not use (its host lost in a multi-host sweep, or
        quarantined there), run on this session's equivalent devices as a quarantined device's do."""
        if all(d.id != spec.id for d in self.farm.devices):
            self.farm = self.farm.model_copy(update={"devices": (*self.farm.devices, spec)})
        self._quarantined[spec.id] = why

    def _drop_device(self, spec: DeviceSpecBase) -> None:
        _, stack = self._devices.pop(spec.id, (None, None))
        if stack is not None:
            try:
                stack.close()
            except Exception as e:  # restoring a device that just failed may fail too: say so, go on
                log.error("closing %s after a fault failed: %s", spec.id, e)

    def close(self) -> None:
        for device, stack in self._devices.values():
            try:
                stack.close()
            except Exception as e:
                log.error("closing %s failed: %s", device.id, e)
        self._devices.clear()
