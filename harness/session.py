"""The sweep's state on one pytest process: farm, open devices and their leases, the current run.

One run of an app on a device feeds all its checks: the first check item of a cell runs the app
and writes the cell's results at once; the cell's other items read them.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from pathlib import Path
from typing import Any

from harness.checks.base import Check
from harness.checks.registry import CHECKS
from harness.config.farm import DeviceSpecBase, Farm
from harness.config.scenario import Scenario
from harness.devices.lease import DeviceLease
from harness.devices.protocol import Device
from harness.devices.registry import PLATFORM_OF_KIND, open_device
from harness.errors import AppIncompatible, BackendUnavailable, FingertipError
from harness.reports.results import judge, missing_record, write_cell
from harness.reports.run_page import write_run_pages
from harness.run import RunPaths, execute_run

log = logging.getLogger("fingertip")


def checks_for(scenario: Scenario) -> list[Check]:
    return [c for c in CHECKS.values() if scenario.platform in c.platforms]


def devices_for(scenario: Scenario, farm: Farm) -> list[DeviceSpecBase]:
    return [d for d in farm.devices if PLATFORM_OF_KIND[d.kind] == scenario.platform]


class SweepSession:
    def __init__(self, farm: Farm, sweep_dir: Path, sweep_id: str, lease_dir: Path, masked: bool = True) -> None:
        self.farm = farm
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

    def _device(self, spec: DeviceSpecBase) -> Device:
        if spec.id in self._devices:
            return self._devices[spec.id][0]
        if spec.id in self._unavailable:
            raise BackendUnavailable(spec.id, self._unavailable[spec.id])
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(DeviceLease(self.lease_dir, spec.id))
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

    def _run_cell(self, scenario: Scenario, spec: DeviceSpecBase) -> dict[str, dict[str, Any]]:
        paths = RunPaths.for_cell(self.sweep_dir, scenario.id, spec.id)
        cell_dir = paths.root.relative_to(self.sweep_dir).as_posix()
        checks = checks_for(scenario)

        def without_run(verdict: str, summary: str) -> dict[str, dict[str, Any]]:
            return {c.name: missing_record(scenario.id, scenario.name, spec.id, scenario.platform, c, verdict,
                                           summary, cell_dir) for c in checks}

        try:
            device = self._device(spec)
            observations = execute_run(scenario, device, self.sweep_dir, self.sweep_id, self.masked)
        except BackendUnavailable as e:
            records = without_run("skip", f"设备不可用：{e}")
        except AppIncompatible as e:  # the compatibility finding itself; the other articles were not run
            records = without_run("skip", f"应用无法在此设备安装，未运行：{e.message}")
            for check in checks:
                if check.article == "16-compat":
                    records[check.name] = missing_record(
                        scenario.id, scenario.name, spec.id, scenario.platform, check, "fail",
                        f"应用无法在 {spec.id} 上安装运行：{e.message}", cell_dir)
                    records[check.name]["details"] = {"install_refused": e.reason}
        except FingertipError as e:
            log.error("run %s@%s failed: %s", scenario.id, spec.id, e)
            records = without_run("error", f"运行出错：{e}")
        except Exception as e:  # a harness bug must cost one cell, not the sweep
            paths.root.mkdir(parents=True, exist_ok=True)
            (paths.root / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
            records = without_run("error", f"运行出错（harness）：{type(e).__name__}: {e}")
        else:
            records = {r["check"]: r for r in judge(observations, checks, cell_dir)}
        write_cell(paths.root, list(records.values()))
        write_run_pages(self.sweep_dir, list(records.values()))  # reviewers can open it while the sweep goes on
        return records

    def close(self) -> None:
        for device, stack in self._devices.values():
            try:
                stack.close()
            except Exception as e:
                log.error("closing %s failed: %s", device.id, e)
        self._devices.clear()
