"""results.json / junit.xml / index.html from result records."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks.base import Evidence, Finding
from harness.checks.registry import CHECKS
from harness.observe.model import DeviceInfo, Observations, VideoRef
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
    fail, error = records()
    error["summary"] = "运行出错：<img src=x onerror=alert(1)>"
    page = render_index([fail, error], "sweep-1")
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    # a cell without a run page says why in the index; a run's findings and video are on its page only
    assert 'title="运行出错：&lt;img src=x onerror=alert(1)&gt;"' in page
    assert 'href="runs/app1@web-phone/index.html"' in page and 'href="runs/app2@web-phone/index.html"' not in page
    assert "<video" not in page and "发现打卡签到功能" not in page and 'data-t="1.5"' not in page


def test_the_index_queues_undecided_review_cells_in_matrix_order() -> None:
    fail, error = records()
    reviews = []
    for app, article in (("app3", "14(4)"), ("app1", "18"), ("app1", "5")):
        obs = OBS.model_copy(update={"app": app})
        check = next(c for c in CHECKS.values() if c.article == article)
        finding = Finding(verdict="review", summary="人工判断")
        reviews.append(result_record(check, finding, obs, f"runs/{app}@web-phone"))
    decided = result_record(CHECKS["complaint"], Finding(verdict="review", summary="x"),
                            OBS.model_copy(update={"app": "app4"}), "runs/app4@web-phone")
    decided["decision"] = {"by": "张三", "at": "2026-11-20T02:00:00Z", "verdict": "pass", "note": "",
                           "override": False, "carried_from": None}
    decided["final_verdict"] = "pass"
    from harness.reports.html import undecided

    queue = undecided([fail, error, *reviews, decided])
    assert [(q["app"], q["article"]) for q in queue] == [("app1", "5"), ("app1", "18"), ("app3", "14(4)")]
    assert queue[0]["href"] == "runs/app1@web-phone/index.html#a-5"
    page = render_index([fail, error, *reviews, decided], "sweep-1")
    assert 'data-count="3"' in page and 'id="queue-next" href="runs/app1@web-phone/index.html#a-5"' in page
    assert page.count(' q"') == 3  # the queued cells are marked in the matrix (the decided one is not)


def test_cells_gather_into_sweep_reports(tmp_path: Path) -> None:
    first, second = records()
    write_cell(tmp_path / "runs" / "app2@web-phone", [second])
    write_cell(tmp_path / "runs" / "app1@web-phone", [first])
    assert [r["app"] for r in gather(tmp_path)] == ["app1", "app2"]
    write_reports(tmp_path)
    assert len(json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))) == 2
    assert ET.parse(tmp_path / "junit.xml").getroot().get("tests") == "2"
    assert (tmp_path.parent / "latest").resolve() == tmp_path.resolve()


def test_ui_graph_of_a_recorded_walk(data: Path) -> None:
    from harness.observe.graph import to_dot, ui_graph

    obs = Observations.model_validate_json((data / "observations" / "ebantong.json").read_text(encoding="utf-8"))
    graph = ui_graph(obs)
    keys = {n["id"]: n["key"] for n in graph["nodes"]}
    assert any(keys[e["from"]] == "/#/interact" and e["label"] == "投诉建议" for e in graph["edges"])
    assert "digraph walk" in to_dot(graph) and "投诉建议" in to_dot(graph)
    record = result_record(CHECKS["complaint"], Finding(verdict="pass", summary="x"), obs, "c")
    assert record["run"]["ui_graph"]["edges"]


def test_compat_matrix_groups_devices_by_os_label() -> None:
    from harness.reports.html import compat_matrix

    check = CHECKS["compatibility"]
    rows = []
    for device, label, verdict in (("mi13", "os:android-14", "pass"), ("p40", "os:android-10", "fail"),
                                   ("mate", "os:harmony-next", "pass")):
        obs = OBS.model_copy(update={"device": device, "device_info": DeviceInfo(labels=[label])})
        rows.append(result_record(check, Finding(verdict=verdict, summary=""), obs, f"runs/app1@{device}"))  # type: ignore[arg-type]
    matrix = compat_matrix(rows)
    assert matrix["systems"] == ["android-10", "android-14", "harmony-next"]
    assert matrix["rows"]["app1"]["android-10"] == ["fail"]
