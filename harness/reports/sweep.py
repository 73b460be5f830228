"""Writing a sweep's reports from the per-run results, and pointing reports/latest at it."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from harness.reports.decisions import apply_decisions
from harness.reports.html import write_index
from harness.reports.junit import write_junit
from harness.reports.results import gather, write_atomic
from harness.reports.run_page import write_run_pages
from harness.reports.trend import compare

log = logging.getLogger("fingertip")


def write_reports(sweep_dir: Path, rebuild_pages: bool = False, latest: bool = True) -> list[dict[str, Any]]:
    """The sweep's reports from its cells' machine records and the reviewers' decisions (its own, and ones
    carried from earlier sweeps). `latest`: point reports/latest here (not when an older sweep is decided)."""
    records = gather(sweep_dir)
    for problem in apply_decisions(records, sweep_dir):
        log.warning("decisions: %s", problem)
    write_atomic(sweep_dir / "results.json", json.dumps(records, ensure_ascii=False, indent=1))
    write_junit(records, sweep_dir / "junit.xml", name=f"fingertip.{sweep_dir.name}")
    write_run_pages(sweep_dir, records, force=rebuild_pages)
    if not rebuild_pages:  # a decided cell's page shows the decision even when its run page is up to date
        decided = {r["run"]["dir"] for r in records if r["decision"]}
        write_run_pages(sweep_dir, [r for r in records if r["run"]["dir"] in decided], force=True)
    trend = compare(sweep_dir)
    write_atomic(sweep_dir / "trend.json", json.dumps(trend, ensure_ascii=False, indent=1))
    write_index(records, sweep_dir, sweep_dir.name, trend)
    if latest:
        point_latest(sweep_dir)
    return records


def point_latest(sweep_dir: Path) -> None:
    latest = sweep_dir.parent / "latest"
    temporary = sweep_dir.parent / f".latest.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(sweep_dir.name)
    temporary.replace(latest)
