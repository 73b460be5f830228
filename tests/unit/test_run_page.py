"""The per-run page against hostile apps: markup in every app-supplied string, huge and binary bodies,
file names that try to leave the run folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mitmproxy.test import tflow

from harness.checks.registry import CHECKS
from harness.cli import main
from harness.observe.flows import read_flows
from harness.observe.model import Action, FlowRecord, Observations, ScreenVisit, VideoRef
from harness.reports.results import judge
from harness.reports.run_page import BODY_SHOWN, inside, render_run, shown
from harness.ui.tree import Screen, UiNode

SCRIPT = "<script>alert('app')</script>"


def hostile_run() -> Observations:
    screen = Screen(key=f"/#/{SCRIPT}", title=SCRIPT, nodes=(UiNode(ref="1", role="button", text=SCRIPT),),
                    texts=(SCRIPT, "备案编号 <img src=x onerror=alert(2)>"))
    return Observations(
        app="evil", app_name=f"恶意{SCRIPT}", device="web-phone", platform="web", run_id="s/evil@web-phone",
        started=100.0, ended=160.0, video=VideoRef(path="video.mp4", start=100.0, width=390, height=844),
        screens=[ScreenVisit(t=101.0, signature="aaa", screen=screen.to_dict(), screenshot="../../../etc/passwd"),
                 ScreenVisit(t=102.0, signature="bbb", screen=Screen("/#/b", "b", ()).to_dict(),
                             screenshot="screens/001-bbb.png")],
        actions=[Action(t=101.5, kind="tap", label=SCRIPT, before="aaa", after="bbb")],
        flows=[FlowRecord(id="f1", t=101.2, method="POST", url=f"http://api.evil.test/{SCRIPT}", host="api.evil.test",
                          path=f"/{SCRIPT}", status=200, request_type="text/html",
                          request_text=f"{SCRIPT}\x00\x01\x02binary\x7f" + "A" * 100_000)],
        hook_events=[{"kind": "fetch", "t": 101.3, "detail": {"url": SCRIPT}, "sdk": SCRIPT}],
        crashes=[{"kind": "crash", "process": SCRIPT, "t": 103.0, "summary": SCRIPT}],
        notes=[SCRIPT], problems=[SCRIPT],
        device_info={"os": SCRIPT},
    )


def test_every_app_supplied_string_is_escaped_and_long_ones_cut() -> None:
    run = hostile_run()
    page = render_run(run, judge(run, list(CHECKS.values()), "runs/evil@web-phone"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;app&#39;)&lt;/script&gt;" in page
    assert "\x00" not in page and "\x01" not in page and "\x7f" not in page
    assert f"共 {len(run.flows[0].request_text)} 字符" in page  # the body is cut for display, and says so
    assert len(page) < 400_000


def test_links_never_leave_the_run_folder() -> None:
    assert inside("../../../etc/passwd") is None
    assert inside("/etc/passwd") is None
    assert inside("screens/../../x.png") is None
    assert inside("screens/001-bbb.png") == "screens/001-bbb.png"
    page = render_run(hostile_run(), [])
    assert "passwd" not in page
    assert 'src="screens/001-bbb.png"' in page


def test_shown_cuts_and_cleans() -> None:
    assert shown("a\x00b") == "a\ufffdb"
    assert shown("x" * 500, 10).startswith("x" * 10 + "…（截断")
    assert len(shown("y" * 10**6, BODY_SHOWN)) < BODY_SHOWN + 40


def test_a_50_mb_binary_body_is_read_and_shown_bounded(tmp_path: Path) -> None:
    """A flow with 50 MB of binary junk, as mitmproxy records it, through read_flows and the run page."""
    from mitmproxy import io

    flow = tflow.tflow()
    flow.request.host, flow.request.path, flow.request.method = "api.evil.test", "/upload", "POST"
    flow.request.headers["content-type"] = "application/octet-stream"
    flow.request.content = bytes(range(256)) * (50 * 2**20 // 256)
    path = tmp_path / "flows.mitm"
    with open(path, "wb") as sink:
        io.FlowWriter(sink).add(flow)
    flows, problems = read_flows(path)
    assert not problems
    [record] = flows
    assert record.request_size == 50 * 2**20
    assert len(record.request_text) <= 300 * 1024
    run = hostile_run()
    run.flows = flows
    page = render_run(run, [])
    assert len(page) < 200_000


def test_fingertip_report_writes_a_page_per_run(tmp_path: Path, data: Path) -> None:
    sweep = tmp_path / "sweep"
    for name in ("ebantong", "ganbutong"):
        cell = sweep / "runs" / f"{name}@web-phone"
        cell.mkdir(parents=True)
        shutil.copy(data / "observations" / f"{name}.json", cell / "observations.json")
    assert main(["recheck", str(sweep)]) == 0
    page = (sweep / "runs" / "ganbutong@web-phone" / "index.html").read_text(encoding="utf-8")
    assert "时间线" in page and 'id="flows"' in page and "<svg" in page
    index = (sweep / "index.html").read_text(encoding="utf-8")
    assert 'href="runs/ganbutong@web-phone/index.html"' in index
    records = json.loads((sweep / "results.json").read_text(encoding="utf-8"))
    assert {r["app"] for r in records} == {"ebantong", "ganbutong"}


def test_the_run_page_shows_the_walks_coverage_with_the_apps_labels_escaped() -> None:
    from harness.observe.model import Coverage

    run = hostile_run()
    run.coverage = Coverage(screens=7, controls_seen=40, controls_tried=25, tabs_seen=4, tabs_tried=4, purpose_seen=5,
                            purpose_tried=4, unlabeled_seen=12, unlabeled_tried=3, untried=[SCRIPT], stopped="time")
    page = render_run(run, [])
    assert "探索覆盖：界面 7 · 控件 已试 25 / 见到 40" in page
    assert "标签栏 4/4" in page and "无标签控件 3/12" in page and "时间预算用完" in page
    assert "见到未试：&lt;script&gt;" in page and "<script>alert" not in page
