"""The sweep session turns a run's outcome into one record per check."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from harness import session as session_module
from harness.config.farm import AndroidDeviceSpec, Farm
from harness.config.scenario import load_scenario
from harness.errors import AppIncompatible, CaptureError, DeviceError, DeviceLost, PackageError, UiError
from harness.session import SweepSession


@pytest.fixture
def sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[SweepSession, Any, AndroidDeviceSpec]:
    (tmp_path / "app.apk").write_bytes(b"PK")
    (tmp_path / "app.yaml").write_text("id: app\nname: 应用\nplatform: android\nentry: app.apk\n"
                                       "hosts:\n  api.example.gov.cn: [127.0.0.1]\n", encoding="utf-8")
    spec = AndroidDeviceSpec(id="old-phone", serial="X1")
    farm = Farm(path=tmp_path / "farm.yaml", devices=(spec,))
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: contextlib.nullcontext(object()))
    sweep = SweepSession(farm, tmp_path / "sweep", "s1", tmp_path / "leases")
    return sweep, load_scenario(tmp_path / "app.yaml"), spec


def test_an_app_the_device_refuses_fails_compatibility_and_skips_the_rest(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AppIncompatible(spec.id, "最低 API 26 高于设备的 API 23（Android 6.0）：无法安装", reason="min-api")

    monkeypatch.setattr(session_module, "execute_run", refuse)
    records = session._run_cell(scenario, spec)
    assert records["compatibility"]["verdict"] == "fail"
    assert "最低 API 26" in records["compatibility"]["summary"]
    assert records["compatibility"]["details"] == {"install_refused": "min-api"}
    others = {r["verdict"] for name, r in records.items() if name != "compatibility"}
    assert others == {"skip"}
    assert (session.sweep_dir / "runs" / "app@old-phone").is_dir()


def test_a_device_fault_is_an_error_for_every_check(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep

    def lost(*args: Any, **kwargs: Any) -> None:
        raise DeviceError(spec.id, "adb: device offline")

    monkeypatch.setattr(session_module, "execute_run", lost)
    records = session._run_cell(scenario, spec)
    assert {r["verdict"] for r in records.values()} == {"error"}


def observations_for(spec: AndroidDeviceSpec) -> Any:
    from harness.observe.model import Observations

    return Observations(app="app", app_name="应用", device=spec.id, platform="android", run_id="s1/app@old-phone",
                        started=1.0, ended=2.0, alive_at_end=True)


def test_a_device_fault_is_retried_on_the_reopened_device(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    opened: list[int] = []
    monkeypatch.setattr(session_module, "open_device",
                        lambda spec, work: contextlib.nullcontext(opened.append(1) or object()))
    attempts: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise DeviceError(spec.id, "the browser session is gone")
        return observations_for(spec)

    monkeypatch.setattr(session_module, "execute_run", flaky)
    records = session._run_cell(scenario, spec)
    assert len(attempts) == 2 and len(opened) == 2  # closed after the fault, opened again
    assert records["compatibility"]["run"]["retried"] == 1
    assert records["compatibility"]["verdict"] != "error"


def test_a_device_that_keeps_failing_is_quarantined(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    attempts: list[int] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        raise DeviceError(spec.id, "adb: device offline")

    monkeypatch.setattr(session_module, "execute_run", broken)
    first = session._run_cell(scenario, spec)
    assert {r["verdict"] for r in first.values()} == {"error"}
    assert "共尝试 2 次" in first["compatibility"]["summary"]
    second = session._run_cell(scenario, spec)
    assert len(attempts) == 2  # the quarantined device is not tried again
    assert "设备已隔离" in second["compatibility"]["summary"]


def test_resume_keeps_finished_cells_and_runs_errored_ones_again(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    monkeypatch.setattr(session_module, "execute_run", lambda *a, **k: observations_for(spec))
    done = session._run_cell(scenario, spec)
    session.close()  # the interrupted sweep's process is gone: its device lease with it
    resumed = SweepSession(session.farm, session.sweep_dir, session.sweep_id, session.lease_dir, resume=True)
    monkeypatch.setattr(session_module, "execute_run", lambda *a, **k: pytest.fail("a finished cell ran again"))
    assert resumed._run_cell(scenario, spec) == done
    cell = session.sweep_dir / "runs" / "app@old-phone" / "results.json"
    errored = [{**r, "verdict": "error"} for r in done.values()]
    cell.write_text(json.dumps(errored), encoding="utf-8")
    ran: list[int] = []
    monkeypatch.setattr(session_module, "execute_run", lambda *a, **k: ran.append(1) or observations_for(spec))
    resumed._run_cell(scenario, spec)
    assert ran == [1]


def test_a_cell_whose_device_keeps_failing_runs_on_an_equivalent_free_device(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.apk").write_bytes(b"PK")
    (tmp_path / "app.yaml").write_text("id: app\nname: 应用\nplatform: android\nentry: app.apk\n"
                                       "hosts:\n  api.example.gov.cn: [127.0.0.1]\n", encoding="utf-8")
    broken = AndroidDeviceSpec(id="phone-a", serial="A", labels=["os:android-14"])
    twin = AndroidDeviceSpec(id="phone-b", serial="B", labels=["os:android-14"])
    older = AndroidDeviceSpec(id="phone-c", serial="C", labels=["os:android-10"])
    farm = Farm(path=tmp_path / "farm.yaml", devices=(broken, twin, older))

    class Stub:
        def __init__(self, spec: AndroidDeviceSpec) -> None:
            self.id = spec.id

    monkeypatch.setattr(session_module, "open_device", lambda spec, work: contextlib.nullcontext(Stub(spec)))
    ran: list[tuple[str, str | None]] = []

    def run(scenario: Any, device: Any, *args: Any, cell_device: str | None = None) -> Any:
        ran.append((device.id, cell_device))
        if device.id == "phone-a":
            raise DeviceError("phone-a", "adb: device offline")
        return observations_for(broken)

    monkeypatch.setattr(session_module, "execute_run", run)
    session = SweepSession(farm, tmp_path / "sweep", "s1", tmp_path / "leases")
    assert [d.id for d in session.equivalents(broken)] == ["phone-b"]  # same OS class only
    records = session._run_cell(load_scenario(tmp_path / "app.yaml"), broken)
    assert ran == [("phone-a", None), ("phone-a", None), ("phone-b", "phone-a")]
    assert records["compatibility"]["run"]["ran_on"] == "phone-b"
    assert records["compatibility"]["device"] == "phone-a"  # the matrix cell it fills
    assert "phone-b" not in session._devices  # its lease is given back


def test_a_busy_equivalent_device_is_not_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.devices.lease import DeviceBusy, DeviceLease

    with DeviceLease(tmp_path, "phone-b"), pytest.raises(DeviceBusy):
        DeviceLease(tmp_path, "phone-b", wait=False).__enter__()


class Answering:
    """An open device whose transport still answers the health probe."""

    def healthy(self) -> bool:
        return True


def test_a_host_fault_never_blames_or_quarantines_the_device(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    opened: list[int] = []
    monkeypatch.setattr(session_module, "open_device",
                        lambda spec, work: contextlib.nullcontext(opened.append(1) or Answering()))
    attempts: list[int] = []

    def proxy_down(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise CaptureError("mitmdump exited with 1 while starting")

    monkeypatch.setattr(session_module, "execute_run", proxy_down)
    for _ in range(3):
        records = session._run_cell(scenario, spec)
        session._cell = None
        assert {r["verdict"] for r in records.values()} == {"error"}
        assert "检测主机故障" in records["compatibility"]["summary"]
    assert attempts == [1, 1, 1]  # not retried: another attempt would meet the same host
    assert opened == [1]  # the device was never closed as faulty
    assert not session._quarantined and not session._faults


def test_a_device_fault_on_a_device_that_still_answers_is_retried_but_never_quarantines_it(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: contextlib.nullcontext(Answering()))
    attempts: list[int] = []

    def fails(*args: Any, **kwargs: Any) -> None:
        attempts.append(1)
        raise DeviceError(spec.id, "am start: Error type 3")

    monkeypatch.setattr(session_module, "execute_run", fails)
    for _ in range(3):
        session._run_cell(scenario, spec)
    assert len(attempts) == 6  # every cell tried twice: the device is never set aside
    assert not session._quarantined


def test_a_lost_device_counts_toward_quarantine_even_when_it_answers_again(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: contextlib.nullcontext(Answering()))
    monkeypatch.setattr(session_module, "execute_run",
                        lambda *a, **k: (_ for _ in ()).throw(DeviceLost(spec.id, "the automation session is gone")))
    session._run_cell(scenario, spec)
    assert spec.id in session._quarantined


def test_a_ui_error_that_escapes_a_run_ends_the_cell_without_blaming_the_device(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: contextlib.nullcontext(Answering()))
    monkeypatch.setattr(session_module, "execute_run",
                        lambda *a, **k: (_ for _ in ()).throw(UiError(spec.id, "load the entry: TimeoutException")))
    records = session._run_cell(scenario, spec)
    assert {r["verdict"] for r in records.values()} == {"error"}
    assert not session._faults


def test_a_package_that_cannot_be_read_is_a_compatibility_finding(
        sweep: tuple[SweepSession, Any, AndroidDeviceSpec], monkeypatch: pytest.MonkeyPatch) -> None:
    session, scenario, spec = sweep
    unreadable = PackageError("app.apk", "not an APK (not a zip archive)")
    monkeypatch.setattr(session_module, "execute_run", lambda *a, **k: (_ for _ in ()).throw(unreadable))
    records = session._run_cell(scenario, spec)
    assert records["compatibility"]["verdict"] == "fail"
    assert "not an APK" in records["compatibility"]["summary"]
    assert not session._faults


class ClosedUnderTheRun:
    """A device whose commands hang until it is closed (its browser and driver killed), as a hung page does."""

    def __init__(self, opened: list[int], closed: threading.Event) -> None:
        self.opened, self.closed = opened, closed

    def __enter__(self) -> ClosedUnderTheRun:
        self.opened.append(1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()

    def healthy(self) -> bool:
        return True


def quick_android_app(folder: Path) -> tuple[AndroidDeviceSpec, Farm]:
    """A short Android scenario (app.yaml beside a stand-in app.apk) and a farm of one phone."""
    (folder / "app.apk").write_bytes(b"PK")
    (folder / "app.yaml").write_text("id: app\nname: 应用\nplatform: android\nentry: app.apk\n"
                                     "hosts:\n  api.example.gov.cn: [127.0.0.1]\n"
                                     "explore: {budget_s: 0.2, dwell_s: 0}\nipv6: {only_pass_s: 0}\n",
                                     encoding="utf-8")
    spec = AndroidDeviceSpec(id="old-phone", serial="X1")
    return spec, Farm(path=folder / "farm.yaml", devices=(spec,))


def test_a_cell_past_its_watchdog_is_an_error_naming_where_it_hung_and_the_device_is_reopened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, farm = quick_android_app(tmp_path)
    opened: list[int] = []
    closed = threading.Event()
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: ClosedUnderTheRun(opened, closed))
    session = SweepSession(farm, tmp_path / "sweep", "s1", tmp_path / "leases", watchdog_margin_s=0.5)
    scenario = load_scenario(tmp_path / "app.yaml")
    runs: list[int] = []

    def hangs_on_the_device(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        if len(runs) == 1 and not closed.wait(timeout=30):  # bounded, so the old code fails instead of hanging
            return observations_for(spec)
        if len(runs) == 1:
            raise DeviceLost(spec.id, "tap: Appium does not answer")  # what a command killed under it says
        return observations_for(spec)

    monkeypatch.setattr(session_module, "execute_run", hangs_on_the_device)
    records = session._run_cell(scenario, spec)
    assert {r["verdict"] for r in records.values()} == {"error"}
    summary = records["compatibility"]["summary"]
    assert "看门狗" in summary and "tests/unit/test_session.py" in summary and "hangs_on_the_device" in summary
    assert len(runs) == 1  # not retried: it would hang alike
    assert not session._faults and not session._quarantined
    assert closed.is_set()  # the device was closed under the hung run …
    session._cell = None
    again = session._run_cell(scenario, spec)  # … and reopened for the next cell, which runs
    assert len(opened) == 2 and len(runs) == 2
    assert "error" not in {r["verdict"] for r in again.values()}


def test_ctrl_c_during_a_watched_cell_lets_the_run_unwind_before_the_sweep_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT / SIGTERM land in the main thread: the run itself must be there to unwind (its device restored,
    its proxy stopped), not left in a thread of its own that the interpreter abandons at exit."""
    spec, farm = quick_android_app(tmp_path)
    monkeypatch.setattr(session_module, "open_device", lambda spec, work: ClosedUnderTheRun([], threading.Event()))
    session = SweepSession(farm, tmp_path / "sweep", "s1", tmp_path / "leases")
    unwound = threading.Event()

    def interrupted_mid_run(*args: Any, **kwargs: Any) -> Any:
        try:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C (and SIGTERM, routed the same way) does
            threading.Event().wait(10)  # the walk, waiting on the device
            return observations_for(spec)
        finally:
            unwound.set()  # the run's own cleanup: ExitStack, device.finish, proxy.stop

    monkeypatch.setattr(session_module, "execute_run", interrupted_mid_run)
    with pytest.raises(KeyboardInterrupt):
        session._run_cell(load_scenario(tmp_path / "app.yaml"), spec)
    assert unwound.is_set()
