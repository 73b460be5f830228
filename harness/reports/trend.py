"""Nightly trend: a sweep against the ones before it in the same reports folder.

Per app × device × check, by final verdict (a reviewer's decision, else the machine's): new failures
(not fail before, fail now), fixed ones (fail before, not now), other changes, and flaky cells (their
verdict changed at least twice over the recent sweeps). Skips and errors say nothing about the app, so a
cell going to or from them is a change, never a fix.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from harness.reports.decisions import final_verdict

HISTORY = 6
"""Sweeps looked at for flaky cells (this one and up to five before it)."""

Key = tuple[str, str, str]


def _records(sweep_dir: Path) -> list[dict[str, Any]]:
    try:
        records = json.loads((sweep_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def verdicts(sweep_dir: Path) -> dict[Key, str]:
    """Each cell's final verdict: a reviewer's decision, else the machine's."""
    return {(r["app"], r["device"], r["check"]): final_verdict(r) for r in _records(sweep_dir)}


def deciders(sweep_dir: Path) -> dict[Key, str]:
    """Who decided each decided cell."""
    return {(r["app"], r["device"], r["check"]): r["decision"]["by"] for r in _records(sweep_dir)
            if r.get("decision")}


def earlier_sweeps(sweep_dir: Path, limit: int = HISTORY - 1) -> list[Path]:
    """Sweeps before `sweep_dir` in its reports folder (folder names start with their date and time),
    newest first."""
    siblings = sorted(p for p in sweep_dir.parent.iterdir() if p.is_dir() and not p.is_symlink()
                      and p.name < sweep_dir.name and (p / "results.json").is_file())
    return list(reversed(siblings))[:limit]


def flips(history: list[str]) -> int:
    judged = [v for v in history if v in ("pass", "fail", "review")]
    return sum(1 for a, b in pairwise(judged) if a != b)


def compare(sweep_dir: Path, previous: Path | None = None) -> dict[str, Any]:
    earlier = [previous] if previous else earlier_sweeps(sweep_dir)
    now = verdicts(sweep_dir)
    if not earlier:
        return {"sweep": sweep_dir.name, "previous": None, "new_failures": [], "fixed": [], "changed": [],
                "flaky": []}
    before = verdicts(earlier[0])
    history = [verdicts(p) for p in reversed(earlier)] + [now]
    decided = deciders(sweep_dir)

    def entry(key: Key, was: str | None, is_: str) -> dict[str, Any]:
        found = {"app": key[0], "device": key[1], "check": key[2], "before": was, "now": is_}
        return found | ({"decided_by": decided[key]} if key in decided else {})

    new_failures, fixed, changed = [], [], []
    for key, verdict in sorted(now.items()):
        was = before.get(key)
        if was == verdict:
            continue
        if verdict == "fail":
            new_failures.append(entry(key, was, verdict))
        elif was == "fail" and verdict in ("pass", "review"):
            fixed.append(entry(key, was, verdict))
        else:
            changed.append(entry(key, was, verdict))
    flaky = [{**entry(key, before.get(key), now[key]), "history": seen, "flips": flips(seen)}
             for key in sorted(now) if flips(seen := [h[key] for h in history if key in h]) >= 2]
    return {"sweep": sweep_dir.name, "previous": earlier[0].name, "new_failures": new_failures, "fixed": fixed,
            "changed": changed, "flaky": flaky, "history": [p.name for p in reversed(earlier)] + [sweep_dir.name]}
