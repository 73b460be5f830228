"""Result records: one per app × device × check, written per run as soon as it ends."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from harness.checks.base import Check, Finding
from harness.observe.graph import ui_graph
from harness.observe.model import Observations
from harness.reports.record import checked

CELL_RESULTS = "results.json"


def judge(obs: Observations, checks: list[Check], cell_dir: str) -> list[dict[str, Any]]:
    """Every check on one run's observations; a check that raises costs its own result, not the cell's."""
    run = run_facts(obs, cell_dir)
    records = []
    for check in checks:
        if check.needs_traffic and not obs.capture:
            why = obs.capture_note or "设备未配置代理"
            records.append(result_record(check, Finding(
                verdict="skip", summary=f"本次运行的流量未经抓包代理（{why}），无法判断此条。"), obs, cell_dir, run))
            continue
        try:
            records.append(result_record(check, check.run(obs), obs, cell_dir, run))
        except Exception as e:
            records.append(missing_record(obs.app, obs.app_name, obs.device, obs.platform, check, "error",
                                          f"检查出错：{type(e).__name__}: {e}", cell_dir))
    return records


def result_record(check: Check, finding: Finding, obs: Observations, cell_dir: str,
                  run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stable results.json entry. Paths are relative to the sweep folder; `run`: the run's facts,
    computed once per run by judge()."""
    evidence = []
    for item in finding.evidence:
        entry = item.model_dump(exclude_none=True)
        if item.path:
            entry["path"] = f"{cell_dir}/{item.path}"
        evidence.append(entry)
    return {
        "app": obs.app,
        "app_name": obs.app_name,
        "device": obs.device,
        "platform": obs.platform,
        "check": check.name,
        "article": check.article,
        "title": check.title,
        "verdict": finding.verdict,
        "summary": finding.summary,
        "evidence": evidence,
        "details": finding.details,
        "run": run if run is not None else run_facts(obs, cell_dir),
    }


def run_facts(obs: Observations, cell_dir: str) -> dict[str, Any]:
    refused = Counter(str(r.get("host", "?")) for r in obs.refusals)
    # the installed build, so a reviewer's decision is carried only to the same one
    package = {"package": obs.package.model_dump()} if obs.package else {}
    graph = ui_graph(obs)
    route = {n["id"]: n["key"] or n["id"] for n in graph["nodes"]}
    return {
        "id": obs.run_id,
        "dir": cell_dir,
        "video": f"{cell_dir}/{obs.video.path}" if obs.video else None,
        "started": obs.started,
        "ended": obs.ended,
        "launch_ms": obs.launch_ms,
        "device_info": obs.device_info.model_dump(exclude_unset=True),
        "flows": len(obs.app_flows()),
        "capture": obs.capture,
        "screens": len(obs.screens),
        "hook_events": len(obs.hook_events),
        "refused_egress": dict(sorted(refused.items())),
        "problems": obs.problems,
        "ui_graph": {"screens": len(graph["nodes"]), "dot": f"{cell_dir}/ui_graph.dot",
                     "edges": [{"from": route.get(e["from"], e["from"]), "action": e["action"], "label": e["label"],
                                "to": route.get(e["to"], e["to"])} for e in graph["edges"]]},
        **package,
    }


def missing_record(app: str, app_name: str, device: str, platform: str, check: Check, verdict: str,
                   summary: str, cell_dir: str) -> dict[str, Any]:
    """A cell that produced no observations: the run errored, or the device cannot run it here."""
    return {"app": app, "app_name": app_name, "device": device, "platform": platform, "check": check.name,
            "article": check.article, "title": check.title, "verdict": verdict, "summary": summary,
            "evidence": [], "details": {}, "run": {"dir": cell_dir, "video": None}}


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def write_cell(cell: Path, records: list[dict[str, Any]]) -> None:
    """The cell's results.json, each record through the contract's model (a field it does not know, or of
    the wrong type, fails here rather than in a CI system reading the file)."""
    write_atomic(cell / CELL_RESULTS, json.dumps([checked(r) for r in records], ensure_ascii=False, indent=1))


def gather(sweep_dir: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted((sweep_dir / "runs").glob(f"*/{CELL_RESULTS}")):
        records.extend(json.loads(path.read_text(encoding="utf-8")))
    records.sort(key=lambda r: (r["app"], r["device"], r["article"], r["check"]))
    return records
