"""Nightly trend: a sweep against the ones before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.reports.html import render_index
from harness.reports.trend import compare, flips


def sweep(out: Path, name: str, verdicts: dict[tuple[str, str], str]) -> Path:
    folder = out / name
    folder.mkdir(parents=True)
    records = [{"app": app, "device": "web-phone", "check": check, "verdict": verdict, "article": "5",
                "app_name": app, "title": "", "summary": "", "evidence": [], "details": {},
                "run": {"dir": f"runs/{app}@web-phone"}} for (app, check), verdict in verdicts.items()]
    (folder / "results.json").write_text(json.dumps(records), encoding="utf-8")
    return folder


def test_new_failures_fixed_changed_and_flaky(tmp_path: Path) -> None:
    sweep(tmp_path, "20261120-020000-aaaa", {("a", "filing"): "pass", ("b", "filing"): "fail", ("c", "ipv6"): "pass"})
    sweep(tmp_path, "20261121-020000-bbbb", {("a", "filing"): "fail", ("b", "filing"): "fail", ("c", "ipv6"): "pass"})
    sweep(tmp_path, "20261122-020000-cccc", {("a", "filing"): "pass", ("b", "filing"): "fail", ("c", "ipv6"): "pass"})
    latest = sweep(tmp_path, "20261123-020000-dddd",
                   {("a", "filing"): "fail", ("b", "filing"): "pass", ("c", "ipv6"): "error"})
    trend = compare(latest)
    assert trend["previous"] == "20261122-020000-cccc"
    assert [(t["app"], t["before"], t["now"]) for t in trend["new_failures"]] == [("a", "pass", "fail")]
    assert [(t["app"], t["before"], t["now"]) for t in trend["fixed"]] == [("b", "fail", "pass")]
    assert [(t["app"], t["now"]) for t in trend["changed"]] == [("c", "error")]  # an error fixes nothing
    assert [(t["app"], t["flips"]) for t in trend["flaky"]] == [("a", 3)]
    page = render_index([], latest.name, trend)
    assert "新增不通过 1 · 已修复 1" in page


def test_the_first_sweep_has_nothing_to_compare(tmp_path: Path) -> None:
    only = sweep(tmp_path, "20261123-020000-aaaa", {("a", "filing"): "pass"})
    assert compare(only)["previous"] is None


def test_flips_ignore_skips_and_errors() -> None:
    assert flips(["pass", "error", "pass", "skip", "pass"]) == 0
    assert flips(["pass", "fail", "pass"]) == 2


def test_fingertip_trend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = sweep(tmp_path, "20261122-020000-aaaa", {("a", "filing"): "pass"})
    newer = sweep(tmp_path, "20261123-020000-bbbb", {("a", "filing"): "fail"})
    assert main(["trend", str(newer), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new_failures"][0]["app"] == "a"
    assert main(["trend", str(newer), "--against", str(older)]) == 0
    assert "新增不通过" in capsys.readouterr().out
    assert main(["trend", str(tmp_path / "nope")]) == 2
