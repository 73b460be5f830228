"""The UI transition graph of a walk: screens (by place) and the actions between them."""

from __future__ import annotations

from typing import Any

from harness.observe.model import Observations

MAX_EDGES = 300


def ui_graph(obs: Observations) -> dict[str, Any]:
    """Nodes are screens by signature (with their route and screenshot); edges are distinct actions."""
    nodes: dict[str, dict[str, Any]] = {}
    for visit in obs.screens:
        nodes.setdefault(visit.signature, {"id": visit.signature, "key": visit.screen.get("key", ""),
                                           "screenshot": visit.screenshot})
    edges: list[dict[str, str]] = []
    seen: set[tuple[str, str, str, str]] = set()
    for action in obs.actions:
        if not action.after or action.after == action.before:
            continue
        key = (action.before, action.kind, action.label, action.after)
        if key not in seen and len(edges) < MAX_EDGES:
            seen.add(key)
            edges.append({"from": action.before, "to": action.after, "action": action.kind, "label": action.label})
    return {"nodes": list(nodes.values()), "edges": edges}


def to_dot(graph: dict[str, Any]) -> str:
    """Graphviz source, so a reviewer can draw the walk (`dot -Tsvg ui_graph.dot`)."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph walk {", '  rankdir=LR; node [shape=box, fontname="WenQuanYi Micro Hei"];']
    lines += [f"  {quote(n['id'])} [label={quote(n['key'] or n['id'])}];" for n in graph["nodes"]]
    lines += [f"  {quote(e['from'])} -> {quote(e['to'])} [label={quote(e['action'] + ' ' + e['label'])}];"
              for e in graph["edges"]]
    return "\n".join([*lines, "}"]) + "\n"
