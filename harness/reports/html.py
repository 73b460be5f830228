"""index.html: the reviewer page (Chinese), static and offline, light at a thousand runs: the matrix with its
filters and links, the queue of undecided `review` cells, the decisions, the trend and the Art. 16 OS matrix.
Videos, findings and evidence are on the run pages only."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from harness.checks.base import ARTICLE_LABEL, ARTICLES
from harness.reports.decisions import decided_by, final_verdict
from harness.reports.results import write_atomic

VERDICT_ZH = {"pass": "通过", "fail": "不通过", "review": "待审核", "error": "出错", "skip": "跳过"}

# Every string here may come from the app under test: escape everything.
environment = Environment(loader=PackageLoader("harness.reports", "templates"), autoescape=True)
environment.filters["final"] = final_verdict
environment.filters["decided_by"] = decided_by


def run_link(record: dict[str, Any]) -> str:
    """A record's run page: in the sweep folder, or where the shared store of a multi-host sweep holds its run
    folder (`run.store`: a file:// URL opens from the report; an object store's URL says where it is)."""
    run = record["run"]
    return f"{run.get('store') or run['dir']}/index.html"


environment.filters["run_link"] = run_link


def render_index(records: list[dict[str, Any]], sweep_id: str, trend: dict[str, Any] | None = None) -> str:
    runs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        runs[(record["app"], record["device"])].append(record)
    articles = [a for a in ARTICLES if any(r["article"] == a for r in records)]
    decisions = [r for r in records if r.get("decision")]
    return environment.get_template("index.html.j2").render(
        sweep_id=sweep_id, runs=runs, articles=articles, verdict_zh=VERDICT_ZH, compat=compat_matrix(records),
        article_label=ARTICLE_LABEL, trend=trend or {},
        totals={v: sum(final_verdict(r) == v for r in records) for v in VERDICT_ZH},
        decided=len(decisions), decisions=decisions, queue=undecided(records, articles),
    )


def undecided(records: list[dict[str, Any]], articles: list[str] | None = None) -> list[dict[str, str]]:
    """The reviewers' queue in matrix order: cells whose final verdict is `review` and that nobody decided,
    each with the link to its finding on the run page."""
    order = {a: i for i, a in enumerate(articles or ARTICLES)}
    queue = [r for r in records if final_verdict(r) == "review" and not r.get("decision") and r["run"].get("id")]
    queue.sort(key=lambda r: (r["app"], r["device"], order.get(r["article"], len(order))))
    return [{"app": r["app"], "device": r["device"], "article": r["article"],
             "href": f"{run_link(r)}#a-{r['article']}"} for r in queue]


def os_class(record: dict[str, Any]) -> str:
    """The device's OS class: its `os:` label, else what the backend reported, else the device id."""
    info = record.get("run", {}).get("device_info") or {}
    labels = [label.removeprefix("os:") for label in info.get("labels", []) if label.startswith("os:")]
    return labels[0] if labels else str(info.get("os") or record["device"])


def compat_matrix(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Art. 16: app × OS class → the compatibility verdicts of the devices in that class."""
    cells: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record["article"] == "16-compat":
            cells[record["app"]][os_class(record)].append(final_verdict(record))
    systems = sorted({os for row in cells.values() for os in row})
    return {"systems": systems, "rows": {app: dict(row) for app, row in cells.items()}}


def write_index(records: list[dict[str, Any]], sweep_dir: Path, sweep_id: str,
                trend: dict[str, Any] | None = None) -> None:
    write_atomic(sweep_dir / "index.html", render_index(records, sweep_id, trend))
