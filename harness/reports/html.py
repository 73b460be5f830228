"""index.html: the reviewer page (Chinese), static and offline, with each run's video."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from harness.checks.base import ARTICLES
from harness.reports.results import write_atomic

VERDICT_ZH = {"pass": "通过", "fail": "不通过", "review": "待审核", "error": "出错", "skip": "跳过"}

# Every string here may come from the app under test: escape everything.
_env = Environment(loader=PackageLoader("harness.reports", "templates"), autoescape=True)


def render_index(records: list[dict[str, Any]], sweep_id: str) -> str:
    runs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        runs[(record["app"], record["device"])].append(record)
    articles = [a for a in ARTICLES if any(r["article"] == a for r in records)]
    return _env.get_template("index.html.j2").render(
        sweep_id=sweep_id, runs=runs, articles=articles, verdict_zh=VERDICT_ZH,
        totals={v: sum(r["verdict"] == v for r in records) for v in VERDICT_ZH},
    )


def write_index(records: list[dict[str, Any]], sweep_dir: Path, sweep_id: str) -> None:
    write_atomic(sweep_dir / "index.html", render_index(records, sweep_id))
