"""The `fingertip` CLI: bad input is refused with file and line, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import cli


def test_sweep_refuses_a_bad_scenario_with_file_and_line(tmp_path: Path, root: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: x\nplatform: web\nentry: ftp://x.test/\nhosts:\n  x.test: [127.0.0.1]\n",
                   encoding="utf-8")
    code = cli.main(["sweep", "--farm", str(root / "device_farm.yaml"), "--scenarios", str(bad),
                     "--out", str(tmp_path / "out")])
    assert code == cli.EXIT_USAGE
    assert "bad.yaml" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()  # nothing started, nothing written


def test_sweep_refuses_a_missing_farm(tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["sweep", "--farm", str(tmp_path / "nope.yaml"), "--scenarios", str(root / "scenarios")])
    assert code == cli.EXIT_USAGE
    assert "nope.yaml" in capsys.readouterr().out


def test_report_and_recheck_need_a_sweep_folder(tmp_path: Path) -> None:
    assert cli.main(["report", str(tmp_path)]) == cli.EXIT_USAGE
    assert cli.main(["recheck", str(tmp_path)]) == cli.EXIT_USAGE


def test_recheck_replays_recorded_observations(tmp_path: Path, data: Path) -> None:
    cell = tmp_path / "sweep" / "runs" / "ganbutong@web-phone"
    cell.mkdir(parents=True)
    (cell / "observations.json").write_bytes((data / "observations" / "ganbutong.json").read_bytes())
    assert cli.main(["recheck", str(tmp_path / "sweep")]) == cli.EXIT_OK
    assert (tmp_path / "sweep" / "results.json").exists() and (tmp_path / "latest").is_symlink()


def test_doctor_reports_the_web_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    assert "web:" in out and "android:" in out and "Frida does not support HarmonyOS NEXT" in out
    assert "Android SDK (ANDROID_HOME)" in out and "appium + uiautomator2 driver" in out
    assert code in (cli.EXIT_OK, cli.EXIT_ERRORS)


def test_gate_blocks_on_blocking_fails_only(tmp_path: Path, data: Path, root: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("ebantong", "ganbutong"):
        cell = tmp_path / "sweep" / "runs" / f"{name}@web-phone"
        cell.mkdir(parents=True)
        (cell / "observations.json").write_bytes((data / "observations" / f"{name}.json").read_bytes())
    assert cli.main(["recheck", str(tmp_path / "sweep")]) == cli.EXIT_OK
    policy = root / "acceptance_policy.yaml"
    assert cli.main(["gate", str(tmp_path / "sweep"), "--policy", str(policy)]) == cli.EXIT_ERRORS
    out = capsys.readouterr().out
    assert "ganbutong@web-phone" in out and "ebantong@web-phone" not in out.split("验收门禁")[0]
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("blocking: []\nadvisory: ['14(2)']\n", encoding="utf-8")
    assert cli.main(["gate", str(tmp_path / "sweep"), "--policy", str(lenient)]) == cli.EXIT_OK
    bad = tmp_path / "bad.yaml"
    bad.write_text("blocking: ['14(9)']\n", encoding="utf-8")
    assert cli.main(["gate", str(tmp_path / "sweep"), "--policy", str(bad)]) == cli.EXIT_USAGE
    assert "bad.yaml:1" in capsys.readouterr().out
