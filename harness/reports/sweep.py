"""Writing a sweep's reports from the per-run results, and pointing reports/latest at it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.reports.html import write_index
from harness.reports.junit import write_junit
from harness.reports.results import gather, write_atomic
from harness.reports.run_page import write_run_pages
from harness.reports.trend import compare


def write_reports(sweep_dir: Path, rebuild_pages: bool = False) -> list[dict[str, Any]]:
    records = gather(sweep_dir)
    write_atomic(sweep_dir / "results.json", json.dumps(records, ensure_ascii=False, indent=1))
    write_junit(records, sweep_dir / "junit.xml", name=f"fingertip.{sweep_dir.name}")
    write_run_pages(sweep_dir, records, force=rebuild_pages)
    trend = compare(sweep_dir)
    write_atomic(sweep_dir / "trend.json", json.dumps(trend, ensure_ascii=False, indent=1))
    write_index(records, sweep_dir, sweep_dir.name, trend)
    point_latest(sweep_dir)
    return records


def point_latest(sweep_dir: Path) -> None:
    latest = sweep_dir.parent / "latest"
    temporary = sweep_dir.parent / f".latest.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(sweep_dir.name)
    temporary.replace(latest)
