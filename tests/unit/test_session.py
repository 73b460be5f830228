"""The sweep session turns a run's outcome into one record per check."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from harness import session as session_module
from harness.config.farm import AndroidDeviceSpec, Farm
from harness.config.scenario import load_scenario
from harness.errors import AppIncompatible, DeviceError
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
