"""Report scale: results.json, junit.xml, index.html and a page per run for 1,000 synthetic runs (each with
the observations of a recorded run: 27 flows, 28 hook events, 8 screens)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.checks.registry import CHECKS
from harness.reports.results import write_cell
from harness.reports.sweep import write_reports

RUNS = 1000
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
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    return [{"name": "report_build_1000_runs", "value": round(elapsed, 2), "unit": "s", "goal": "<= 10",
             "met": elapsed <= 10, "note": f"{len(records)} results, {pages} run pages, "
                                           f"{size:.1f} MB of sweep-level files"}]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
