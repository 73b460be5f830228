"""runs/<app>@<device>/index.html: one run for a reviewer — the video, a timeline of findings, actions,
hook events, flows and crashes where a click seeks the video, the screenshots, the UI graph drawn as a
picture, and a flow viewer. Static and offline; everything the app supplied is escaped and cut short.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path, PurePosixPath
from typing import Any

from harness.checks.base import ARTICLE_LABEL
from harness.observe.graph import ui_graph
from harness.observe.model import Observations
from harness.reports.html import VERDICT_ZH, environment
from harness.reports.results import CELL_RESULTS, write_atomic

TIMELINE_LIMIT = 1500
"""Timeline entries shown (the rest are counted): a run with 50 000 hook events still opens."""
FLOW_LIMIT = 1000
BODY_SHOWN = 16 * 1024
"""Characters of a request shown in the flow viewer (observations keep up to 256 KB)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def shown(text: Any, limit: int = 300) -> str:
    """App-supplied text made safe to show: control characters out, cut to `limit` characters
    (escaping is the template's)."""
    value = CONTROL.sub("\ufffd", str(text))
    return value if len(value) <= limit else value[:limit] + f"…（截断，共 {len(value)} 字符）"


def inside(path: str | None) -> str | None:
    """A file link kept only when it stays inside the run folder (no absolute paths, no `..`)."""
    if not path:
        return None
    pure = PurePosixPath(path)
    return None if pure.is_absolute() or ".." in pure.parts else pure.as_posix()


def timeline(obs: Observations, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    for record in records:
        for evidence in record.get("evidence", []):
            if evidence.get("t") is not None:
                items.append({"t": float(evidence["t"]), "kind": "finding", "verdict": record["verdict"],
                              "text": f"{ARTICLE_LABEL.get(record['article'], record['article'])}："
                                      f"{shown(evidence.get('note') or evidence.get('ref') or '', 200)}"})
    for action in obs.actions:
        items.append({"t": obs.video_t(action.t), "kind": "action", "text": shown(f"{action.kind} {action.label}")})
    for index, event in enumerate(obs.hook_events):
        text = f"{event.field('source', 'hook')}·{event.kind} {event.field('api')} {event.detail}"
        items.append({"t": obs.video_t(event.t or obs.started), "kind": "hook", "ref": index,
                      "text": shown(text, 200), "sdk": shown(event.field("sdk"), 60)})
    for flow in obs.flows:
        status = "拦截" if flow.refused else (flow.error or flow.status or "")
        items.append({"t": obs.video_t(flow.t), "kind": "flow", "ref": flow.id,
                      "text": shown(f"{flow.method} {flow.url} → {status}", 200)})
    for crash in obs.crashes:
        items.append({"t": obs.video_t(crash.t) if crash.t else 0.0, "kind": "crash",
                      "text": shown(f"{crash.kind} {crash.process}: {crash.summary}")})
    items.sort(key=lambda item: item["t"])
    return items[:TIMELINE_LIMIT], max(0, len(items) - TIMELINE_LIMIT)


def flow_rows(obs: Observations) -> list[dict[str, Any]]:
    return [{"id": flow.id, "t": obs.video_t(flow.t), "method": shown(flow.method, 16), "host": shown(flow.host, 120),
             "path": shown(flow.path, 200), "status": flow.status, "error": shown(flow.error or "", 200),
             "refused": flow.refused, "submission": flow.submission, "type": shown(flow.request_type, 80),
             "size": flow.request_size, "response_size": flow.response_size, "images": len(flow.image_hashes),
             "body": shown(flow.request_text, BODY_SHOWN)} for flow in obs.flows[:FLOW_LIMIT]]


def graph_picture(obs: Observations, width: int = 980) -> dict[str, Any]:
    """The UI transition graph laid out in layers (breadth first from the first screen) for an SVG."""
    graph = ui_graph(obs)
    nodes = graph["nodes"]
    if not nodes:
        return {"nodes": [], "edges": [], "width": width, "height": 40}
    outgoing: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        outgoing.setdefault(edge["from"], []).append(edge["to"])
    layer: dict[str, int] = {nodes[0]["id"]: 0}
    queue = deque([nodes[0]["id"]])
    while queue:
        current = queue.popleft()
        for following in outgoing.get(current, []):
            if following not in layer:
                layer[following] = layer[current] + 1
                queue.append(following)
    deepest = max(layer.values())
    for node in nodes:  # screens reached only by going home, or not at all: a last column
        layer.setdefault(node["id"], deepest + 1)
    columns: dict[int, list[str]] = {}
    for node in nodes:
        columns.setdefault(layer[node["id"]], []).append(node["id"])
    box_w, box_h, gap_x, gap_y = 150, 34, 60, 22
    where: dict[str, tuple[int, int]] = {}
    for column, ids in columns.items():
        for row, node_id in enumerate(ids):
            where[node_id] = (20 + column * (box_w + gap_x), 20 + row * (box_h + gap_y))
    laid = [{"x": where[n["id"]][0], "y": where[n["id"]][1], "w": box_w, "h": box_h,
             "label": shown(n["key"] or n["id"], 22), "title": shown(n["key"] or n["id"], 200),
             "shot": inside(n.get("screenshot"))} for n in nodes]
    arrows = [{"x1": where[e["from"]][0] + box_w, "y1": where[e["from"]][1] + box_h // 2,
               "x2": where[e["to"]][0], "y2": where[e["to"]][1] + box_h // 2,
               "label": shown(f"{e['action']} {e['label']}", 40)}
              for e in graph["edges"] if e["from"] in where and e["to"] in where]
    return {"nodes": laid, "edges": arrows,
            "width": max(width, 40 + (max(columns) + 1) * (box_w + gap_x)),
            "height": 40 + max(len(ids) for ids in columns.values()) * (box_h + gap_y)}


STOPPED_ZH = {"done": "走完", "time": "时间预算用完", "actions": "操作预算用完", "plateau": "连续操作无新界面",
              "hung": "应用无响应", "outside": "只剩应用之外的页面", "error": "界面出错"}


def coverage_line(obs: Observations) -> dict[str, Any] | None:
    """The walk's coverage for the run page: what it tried of what it saw (labels are the app's: cut, escaped)."""
    if obs.coverage is None:
        return None
    return {**obs.coverage.model_dump(exclude={"untried"}), "untried": [shown(u, 40) for u in obs.coverage.untried],
            "stopped": STOPPED_ZH.get(obs.coverage.stopped, shown(obs.coverage.stopped, 40))}


MOMENTS = 6
"""Video moments shown beside each reviewable finding."""


def reviewables(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings a machine left to a person (`review`), each with the video moments its evidence names."""
    return [{"record": r, "moments": sorted({round(float(e["t"]), 1) for e in r.get("evidence", [])
                                              if e.get("t") is not None})[:MOMENTS]}
            for r in records if r["verdict"] == "review"]


def render_run(obs: Observations, records: list[dict[str, Any]]) -> str:
    items, hidden = timeline(obs, records)
    screens = [{"t": obs.video_t(v.t), "key": shown(v.screen.get("key", ""), 120),
                "title": shown(v.screen.get("title", ""), 80), "shot": inside(v.screenshot)} for v in obs.screens]
    return environment.get_template("run.html.j2").render(
        obs=obs, records=records, verdict_zh=VERDICT_ZH, article_label=ARTICLE_LABEL, timeline=items,
        hidden=hidden, flows=flow_rows(obs), more_flows=max(0, len(obs.flows) - FLOW_LIMIT), screens=screens,
        graph=graph_picture(obs), video=inside(obs.video.path) if obs.video else None,
        notes=[shown(n, 300) for n in obs.notes], problems=[shown(p, 300) for p in obs.problems],
        coverage=coverage_line(obs), reviewables=reviewables(records),
        app_name=shown(obs.app_name, 80), device_info={k: shown(v, 200)
                                                for k, v in obs.device_info.model_dump(exclude_unset=True).items()})


def write_run_pages(sweep_dir: Path, records: list[dict[str, Any]], force: bool = False) -> int:
    """runs/<cell>/index.html for every cell with observations; a page newer than its cell's results
    is kept unless `force`. Returns how many pages were written."""
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_cell.setdefault(record["run"]["dir"], []).append(record)
    written = 0
    for cell_dir, cell_records in by_cell.items():
        folder = sweep_dir / cell_dir
        observations, page = folder / "observations.json", folder / "index.html"
        if not observations.is_file() or folder.resolve().parent != (sweep_dir / "runs").resolve():
            continue
        results = folder / CELL_RESULTS
        if not force and page.exists() and results.exists() and page.stat().st_mtime >= results.stat().st_mtime:
            continue
        write_atomic(page, render_run(Observations.load(folder), cell_records))
        written += 1
    return written
