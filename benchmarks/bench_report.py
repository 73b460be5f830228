"""Report scale: results.json, junit.xml, index.html and a page per run for 1,000 synthetic runs (each with
the observations of a recorded run: 27 flows, 28 hook events, 8 screens); then that sweep index's size and how
soon it is interactive in real Chromium (/usr/bin/chromium through Playwright, offline)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.checks.registry import CHECKS
from harness.reports.export import OFFLINE_CHROMIUM_ARGS
from harness.reports.results import write_cell
from harness.reports.sweep import write_reports

RUNS = 1000
CHROMIUM = Path("/usr/bin/chromium")
RECORDED = Path(__file__).resolve().parents[1] / "tests" / "data" / "observations" / "ganbutong.json"


def synthetic_record(app: int, device: int, check: str, article: str, title: str) -> dict[str, Any]:
    verdict = ("pass", "fail", "review", "pass", "error")[(app + device + len(check)) % 5]
    cell = f"runs/app{app:04d}@dev{device:02d}"
    return {
        "app": f"app{app:04d}", "app_name": f"应用{app}", "device": f"dev{device:02d}", "platform": "web",
        "check": check, "article": article, "title": title, "verdict": verdict, "summary": "检测摘要" * 8,
        "evidence": [{"kind": "flow", "ref": f"flow-{i}", "t": i * 1.5, "note": f"POST /api/x/{i}"} for i in range(6)],
        "details": {"n": app},
        "run": {"id": f"s/{cell}", "dir": cell, "video": f"{cell}/video.mp4", "screens": 12, "flows": 80,
                "hook_events": 40, "launch_ms": 150.0, "refused_egress": {"update.googleapis.com": 2},
                "problems": [], "device_info": {"labels": [f"os:class-{device % 3}"]},
                "ui_graph": {"screens": 12, "dot": f"{cell}/ui_graph.dot",
                             "edges": [{"from": f"/#/p{i}", "action": "tap", "label": f"按钮{i}", "to": f"/#/p{i + 1}"}
                                       for i in range(20)]}},
    }


def run() -> list[dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="fingertip-bench-report-")) / "sweep"
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    try:
        for n in range(RUNS):
            app, device = n // 4, n % 4
            cell = folder / "runs" / f"app{app:04d}@dev{device:02d}"
            cell.mkdir(parents=True)
            observations = {**recorded, "app": f"app{app:04d}", "device": f"dev{device:02d}"}
            (cell / "observations.json").write_text(json.dumps(observations, ensure_ascii=False), encoding="utf-8")
            write_cell(cell, [synthetic_record(app, device, c.name, c.article, c.title) for c in CHECKS.values()])
        started = time.perf_counter()
        records = write_reports(folder)
        elapsed = time.perf_counter() - started
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 2**20
        pages = sum(1 for _ in folder.glob("runs/*/index.html"))
        index_kb = (folder / "index.html").stat().st_size / 1024
        interactive = index_interactive(folder / "index.html")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    return [{"name": "report_build_1000_runs", "value": round(elapsed, 2), "unit": "s", "goal": "<= 10",
             "met": elapsed <= 10, "note": f"{len(records)} results, {pages} run pages, "
                                           f"{size:.1f} MB of sweep-level files"},
            {"name": "index_size_1000_runs", "value": round(index_kb), "unit": "KB", "goal": "<= 1024",
             "met": index_kb <= 1024, "note": "the sweep index.html alone (matrix, filters, queue; no video, "
                                              "no findings: those are on the run pages)"},
            {"name": "index_interactive_1000_runs", "value": round(interactive["answered_s"], 2), "unit": "s",
             "goal": "<= 2", "met": interactive["answered_s"] <= 2,
             "note": f"real Chromium, median of {interactive['tries']} loads: navigation to the first filter "
                     f"answered (select 不通过, row count shown); DOMContentLoaded at "
                     f"{interactive['dom_s']:.2f} s, load at {interactive['load_s']:.2f} s"}]


def index_interactive(index: Path, tries: int = 5) -> dict[str, Any]:
    """Seconds from navigating to the index until a first filter has answered, measured in the page's own
    clock (performance.now(), from navigation start); nothing leaves the machine."""
    from playwright.sync_api import sync_playwright

    answered, dom, load = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=OFFLINE_CHROMIUM_ARGS)
        try:
            for _ in range(tries):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                           else route.abort())
                page.goto(index.as_uri(), wait_until="commit")
                page.wait_for_selector("#filter-verdict", state="attached")
                page.select_option("#filter-verdict", "fail")
                page.wait_for_function("document.getElementById('filter-count').textContent !== ''")
                answered.append(page.evaluate("performance.now()") / 1000)
                page.wait_for_load_state("load")
                timing = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
                entry = json.loads(timing)
                dom.append(entry["domContentLoadedEventEnd"] / 1000)
                load.append(entry["loadEventEnd"] / 1000)
                page.close()
        finally:
            browser.close()
    middle = tries // 2
    return {"answered_s": sorted(answered)[middle], "dom_s": sorted(dom)[middle], "load_s": sorted(load)[middle],
            "tries": tries}


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
