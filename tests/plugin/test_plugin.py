"""The pytest plugin, driven through pytester: collection, verdicts, the output contract, xdist."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.checks.base import ARTICLES
from harness.checks.registry import CHECKS

N_CHECKS = len(CHECKS)


def recorded_verdicts(sample: str) -> list[str]:
    """What the checks say about a recorded sample run: the plugin must report exactly this."""
    from harness.observe.model import Observations

    obs = Observations.model_validate_json((DATA / f"{sample}.json").read_text(encoding="utf-8"))
    return [check.run(obs).verdict for check in CHECKS.values()]


def outcomes_per_device() -> dict[str, int]:
    verdicts = recorded_verdicts("ebantong") + recorded_verdicts("ganbutong")
    return {"passed": sum(v in ("pass", "review") for v in verdicts), "failed": sum(v == "fail" for v in verdicts),
            "skipped": sum(v == "skip" for v in verdicts)}
pytest_plugins = ["pytester"]
DATA = Path(__file__).resolve().parents[1] / "data" / "observations"

SCENARIO = """\
id: {id}
name: {id} 应用
platform: web
entry: http://app.{id}.test/
hosts:
  app.{id}.test: [127.0.0.1]
"""
FARM = """\
devices:
  - id: web-a
    kind: web
  - id: web-b
    kind: web
  - id: phone
    kind: android
    serial: abc123
"""
# Replaces the device run with recorded observations of the bundled samples, and notes which
# process ran which cell, so the tests see what the plugin does around a run.
CONFTEST = f"""
import dataclasses, json, os
import harness.devices.registry
from pathlib import Path
import harness.session
from harness.observe.model import Observations

RECORDED = {{"good": "ebantong", "bad": "ganbutong"}}

def fake_execute_run(scenario, device, sweep_dir, sweep_id, masked=True):
    data = json.loads((Path({str(DATA)!r}) / (RECORDED[scenario.id] + ".json")).read_text())
    data.update(app=scenario.id, device=device.id, run_id=sweep_id)
    with open(sweep_dir.parent / "cells.log", "a") as log:
        log.write(f"{{scenario.id}}@{{device.id}} {{os.getpid()}}\\n")
    return Observations.model_validate(data)

class FakeDevice:
    def __init__(self, spec, work_dir):
        self.spec = spec
    @property
    def id(self):
        return self.spec.id
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        pass

harness.session.execute_run = fake_execute_run
BACKENDS = harness.devices.registry.BACKENDS
BACKENDS["web"] = dataclasses.replace(BACKENDS["web"], factory=FakeDevice)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "scenarios").mkdir()
    for app in ("good", "bad"):
        (pytester.path / "scenarios" / f"{app}.yaml").write_text(SCENARIO.format(id=app), encoding="utf-8")
    (pytester.path / "device_farm.yaml").write_text(FARM, encoding="utf-8")
    pytester.makeconftest(CONFTEST)
    return pytester


def test_recorded_samples_disagree_where_they_should() -> None:
    assert set(recorded_verdicts("ebantong")) == {"pass"}
    assert "fail" in recorded_verdicts("ganbutong")


def test_collects_app_device_check_items(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q", "scenarios")
    ids = [line for line in result.outlines if "::" in line]
    # 2 web apps × 2 web devices × every check; the android phone takes no web app.
    assert len(ids) == 4 * N_CHECKS
    assert "scenarios/bad.yaml::web-a::mandatory-features[14(2)]" in ids
    assert "scenarios/good.yaml::web-b::complaint[18]" in ids
    assert not any("phone" in i for i in ids)


def test_bad_scenario_names_file_and_line(project: pytest.Pytester) -> None:
    (project.path / "scenarios" / "broken.yaml").write_text(
        SCENARIO.format(id="broken").replace("platform: web", "platform: symbian"), encoding="utf-8")
    result = project.runpytest("scenarios")
    result.stdout.fnmatch_lines(["*broken.yaml:3: platform:*"])
    assert result.ret != 0


def test_sweep_writes_the_output_contract(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios", "--ft-out", "out")
    expected = outcomes_per_device()
    result.assert_outcomes(**{k: 2 * v for k, v in expected.items()})
    latest = project.path / "out" / "latest"
    assert latest.is_symlink()
    records = json.loads((latest / "results.json").read_text(encoding="utf-8"))
    assert len(records) == 4 * N_CHECKS
    for record in records:
        assert {"app", "device", "platform", "check", "article", "verdict", "summary", "evidence"} <= set(record)
        assert record["article"] in ARTICLES
        for item in record["evidence"]:
            assert "kind" in item and ("ref" in item or "path" in item)
    verdicts = {(r["app"], r["device"], r["article"]): r["verdict"] for r in records}
    assert verdicts[("bad", "web-a", "14(2)")] == "fail"
    assert verdicts[("bad", "web-b", "18")] == "fail"
    assert verdicts[("good", "web-a", "18")] == "pass"
    assert verdicts[("good", "web-b", "14(2)")] == "pass"
    cases = ET.parse(latest / "junit.xml").getroot().findall("testcase")
    assert len(cases) == 4 * N_CHECKS
    assert sum(1 for c in cases if c.find("failure") is not None) == 2 * expected["failed"]
    assert "指尖" in (latest / "index.html").read_text(encoding="utf-8")
    # One run per app × device feeds both checks.
    runs = (project.path / "out" / "cells.log").read_text().split()
    assert sorted(runs[::2]) == ["bad@web-a", "bad@web-b", "good@web-a", "good@web-b"]


def test_failure_report_shows_summary_and_evidence(project: pytest.Pytester) -> None:
    result = project.runpytest("scenarios/bad.yaml", "--ft-out", "out")
    result.stdout.fnmatch_lines(["*[[]fail[]] 第十四条(二) 发现*", "*flow: *POST /api/checkin*"])


@pytest.mark.parametrize("DIST", [(), ("--dist", "loadgroup")], ids=["default", "explicit"])
def test_xdist_keeps_each_device_on_one_worker(project: pytest.Pytester, DIST: tuple[str, ...]) -> None:
    result = project.runpytest_subprocess("scenarios", "--ft-out", "out", "-n", "2", *DIST)
    expected = outcomes_per_device()
    result.assert_outcomes(**{k: 2 * v for k, v in expected.items()})
    lines = (project.path / "out" / "cells.log").read_text().splitlines()
    cells = [line.split()[0] for line in lines]
    assert sorted(cells) == ["bad@web-a", "bad@web-b", "good@web-a", "good@web-b"]  # each cell ran once
    worker_of = {}
    for line in lines:
        cell, pid = line.split()
        worker_of.setdefault(cell.split("@")[1], set()).add(pid)
    assert all(len(pids) == 1 for pids in worker_of.values())
    assert len(json.loads((project.path / "out" / "latest" / "results.json").read_text())) == 4 * N_CHECKS


def test_a_finished_sweep_carries_an_earlier_decision(project: pytest.Pytester) -> None:
    """The sweep's own end (pytest_sessionfinish) writes the reports with the earlier sweep's decision."""
    from harness import cli

    out = project.path / "out"
    first, second = out / "20261120-020000-aaaa", out / "20261121-020000-bbbb"
    project.runpytest("scenarios/bad.yaml", "--ft-out", "out", "--ft-sweep-dir", str(first))
    assert cli.main(["decide", str(first), "bad", "web-a", "14(4)", "--verdict", "pass", "--by", "张三"]) == 0
    project.runpytest("scenarios/bad.yaml", "--ft-out", "out", "--ft-sweep-dir", str(second))
    records = json.loads((second / "results.json").read_text(encoding="utf-8"))
    decided = {(r["device"], r["article"]): r for r in records if r["decision"]}
    assert list(decided) == [("web-a", "14(4)")]  # the same app on another device is asked again
    record = decided[("web-a", "14(4)")]
    assert record["verdict"] == "review" and record["final_verdict"] == "pass"
    assert record["decision"]["by"] == "张三" and record["decision"]["carried_from"] == first.name
