"""results.json / junit.xml / index.html from result records."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks.base import Evidence, Finding
from harness.checks.registry import CHECKS
from harness.observe.model import Observations, VideoRef
from harness.reports.html import render_index
from harness.reports.junit import build_junit
from harness.reports.results import gather, missing_record, result_record, write_cell
from harness.reports.sweep import write_reports

OBS = Observations(app="app1", app_name="<script>alert(1)</script>应用", device="web-phone", platform="web",
                   run_id="s/app1@web-phone", started=100.0, ended=160.0,
                   video=VideoRef(path="video.mp4", start=101.0, width=390, height=844),
                   refusals=[{"host": "update.googleapis.com"}, {"host": "update.googleapis.com"}])


def records() -> list[dict]:
    mandatory, complaint = CHECKS["mandatory-features"], CHECKS["complaint"]
    fail = Finding(verdict="fail", summary="发现打卡签到功能 <b>",
                   evidence=[Evidence(kind="screen", ref="abc", path="screens/000.png", t=1.5, note="控件「签到」")])
    return [result_record(mandatory, fail, OBS, "runs/app1@web-phone"),
            missing_record("app2", "应用二", "web-phone", "web", complaint, "error", "运行出错：browser died",
                           "runs/app2@web-phone")]


def test_result_record_contract() -> None:
    record = records()[0]
    assert record["article"] == "14(2)" and record["verdict"] == "fail"
    assert record["evidence"][0] == {"kind": "screen", "ref": "abc", "path": "runs/app1@web-phone/screens/000.png",
                                     "t": 1.5, "note": "控件「签到」"}
    assert record["run"]["video"] == "runs/app1@web-phone/video.mp4"
    assert record["run"]["refused_egress"] == {"update.googleapis.com": 2}


def test_junit_maps_verdicts() -> None:
    suite = build_junit(records(), "fingertip.test")
    assert suite.get("tests") == "2" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = suite.findall("testcase")
    assert cases[0].get("classname") == "app1.web-phone"
    assert cases[0].get("name") == "mandatory-features[14(2)]"
    assert "1.5s screen" in (cases[0].find("failure").text or "")  # type: ignore[union-attr]
    assert cases[1].find("error") is not None


def test_html_escapes_app_supplied_text() -> None:
    page = render_index(records(), "sweep-1")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "发现打卡签到功能 &lt;b&gt;" in page
    assert 'src="runs/app1@web-phone/video.mp4"' in page
    assert 'data-t="1.5"' in page


def test_cells_gather_into_sweep_reports(tmp_path: Path) -> None:
    first, second = records()
    write_cell(tmp_path / "runs" / "app2@web-phone", [second])
    write_cell(tmp_path / "runs" / "app1@web-phone", [first])
    assert [r["app"] for r in gather(tmp_path)] == ["app1", "app2"]
    write_reports(tmp_path)
    assert len(json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))) == 2
    assert ET.parse(tmp_path / "junit.xml").getroot().get("tests") == "2"
    assert (tmp_path.parent / "latest").resolve() == tmp_path.resolve()
