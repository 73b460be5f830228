"""Accuracy of the verdicts on the blind corpus (corpus/): precision and recall per article.

The corpus's 18 H5 apps each come with a truth table (corpus/truth/<id>.yaml) written before the app:
per article `violation`, `judgement` or `compliant`. A sweep of corpus/scenarios gives the tool's verdict
per app × article; this benchmark sets one against the other.

Definitions (per article, and over all articles together):

- a **flag** is a verdict of `fail` or `review`: the tool puts the cell in front of a person;
- a **positive** is a cell whose truth is `violation` or `judgement`: a person should look at it;
- **precision** = flagged positives / flagged cells (how much of what reviewers get is worth their time);
- **recall** = flagged positives / positive cells (how many of the cells that need a person get one);
- **exact** = share of cells whose verdict is the expected one (violation → fail, judgement → review,
  compliant → pass), reported beside them: a violation judged `review` is flagged but not exact.

`error` and `skip` cells are not flags (a person is not asked to look; the cell is reported as broken):
they count against recall when the truth is positive and are listed in the confusion table.

Usage: `benchmarks/run accuracy` sweeps the corpus (the default farm's web device, each app in a sweep of
its own with a wall-clock limit, so one stalled app cannot cost the others; several minutes or more) and
writes the figures to benchmarks/results.json and the README; `FINGERTIP_ACCURACY_SWEEP=DIR benchmarks/run
accuracy` scores corpus sweeps already made under DIR, after running today's checks again on their recorded
observations (`fingertip recheck`); `python benchmarks/bench_accuracy.py DIR [--sweep] [--recheck]
[--only=ID,ID]` sweeps into / rechecks / scores DIR (only the apps named) without touching results.json. The
confusion per article is printed and written to benchmarks/accuracy.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FINGERTIP = Path(sys.executable).with_name("fingertip")
REPORT = ROOT / "benchmarks" / "accuracy.md"
ARTICLES = ("5", "14(2)", "14(4)", "16-compat", "16-ipv6", "17", "18")
TRUTHS = ("violation", "judgement", "compliant")
VERDICTS = ("fail", "review", "pass", "error", "skip")
EXPECTED = {"violation": "fail", "judgement": "review", "compliant": "pass"}
FLAGS = ("fail", "review")
POSITIVE = ("violation", "judgement")


def load_truth(corpus: Path = CORPUS) -> dict[str, dict[str, str]]:
    """{app id: {article: truth}} from corpus/truth/*.yaml."""
    truth: dict[str, dict[str, str]] = {}
    for path in sorted((corpus / "truth").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        truth[data["id"]] = {article: row["truth"] for article, row in data["articles"].items()}
    return truth


def load_verdicts(sweeps: list[Path]) -> dict[tuple[str, str], str]:
    """{(app, article): verdict} from sweeps' results.json, or their runs' own results.json when the sweep-level
    file was not written (one device: the first one seen per app)."""
    verdicts: dict[tuple[str, str], str] = {}
    for sweep in sweeps:
        files = [sweep / "results.json"] if (sweep / "results.json").exists() else \
            sorted(sweep.glob("runs/*/results.json"))
        for path in files:
            for entry in json.loads(path.read_text(encoding="utf-8")):
                verdicts.setdefault((entry["app"], entry["article"]), entry["verdict"])
    return verdicts


def sweeps_in(folder: Path) -> list[Path]:
    """The sweep folders under `folder` (one per app when swept app by app), or `folder` itself."""
    if (folder / "runs").is_dir():
        return [folder]
    found = sorted(p for p in folder.glob("*/*") if (p / "runs").is_dir() and not p.is_symlink())
    return found or sorted(p for p in folder.glob("*") if (p / "runs").is_dir() and not p.is_symlink())


def score(truth: dict[str, dict[str, str]], verdicts: dict[tuple[str, str], str]) -> dict[str, Any]:
    """Confusion (truth × verdict), precision, recall and exact share per article and over all."""
    per: dict[str, dict[str, Any]] = {}
    cells_all: list[tuple[str, str, str, str]] = []
    for article in ARTICLES:
        cells = [(app, article, rows[article], verdicts.get((app, article), "missing"))
                 for app, rows in sorted(truth.items()) if article in rows]
        cells_all += cells
        per[article] = _figures(cells)
    return {"articles": per, "all": _figures(cells_all)}


def _figures(cells: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    confusion = Counter((t, v) for _, _, t, v in cells)
    flagged = [c for c in cells if c[3] in FLAGS]
    positive = [c for c in cells if c[2] in POSITIVE]
    hits = [c for c in flagged if c[2] in POSITIVE]
    return {
        "apps": len({app for app, _, _, _ in cells}),
        "cells": len(cells),
        "precision": round(len(hits) / len(flagged), 3) if flagged else None,
        "recall": round(len(hits) / len(positive), 3) if positive else None,
        "exact": round(sum(EXPECTED[t] == v for _, _, t, v in cells) / len(cells), 3) if cells else None,
        "confusion": {f"{t}/{v}": n for (t, v), n in sorted(confusion.items())},
        "false_positives": sorted(f"{app} {article} ({v})" for app, article, t, v in flagged if t not in POSITIVE),
        "missed": sorted(f"{app} {article} ({v})" for app, article, t, v in positive if v not in FLAGS),
        "inexact": sorted(f"{app} {article}: {t} → {v}" for app, article, t, v in cells if EXPECTED[t] != v),
    }


def markdown(result: dict[str, Any], sweep: str) -> str:
    def ratio(x: float | None) -> str:
        return "—" if x is None else f"{x:.2f}"

    lines = [f"# Accuracy on the blind corpus ({time.strftime('%Y-%m-%d')})", "",
             f"Sweep `{sweep}`, scored by `benchmarks/bench_accuracy.py` against `corpus/truth/`. A flag is "
             "`fail` or `review`; a positive is a `violation` or `judgement` truth (see the module docstring).",
             "", "| article | cells | precision | recall | exact | false positives | missed |",
             "|---|---|---|---|---|---|---|"]
    rows = [*result["articles"].items(), ("all", result["all"])]
    for article, f in rows:
        lines.append(f"| {article} | {f['cells']} | {ratio(f['precision'])} | {ratio(f['recall'])} | "
                     f"{ratio(f['exact'])} | {len(f['false_positives'])} | {len(f['missed'])} |")
    lines += ["", "Confusion per article (rows: truth; columns: verdict):", ""]
    for article, f in result["articles"].items():
        lines += [f"### {article}", "", "| truth \\ verdict | " + " | ".join(VERDICTS) + " |",
                  "|---|" + "---|" * len(VERDICTS)]
        for truth in TRUTHS:
            counts = [str(f["confusion"].get(f"{truth}/{v}", 0)) for v in VERDICTS]
            lines.append(f"| {truth} | " + " | ".join(counts) + " |")
        for name in ("false_positives", "missed", "inexact"):
            if f[name]:
                lines.append(f"\n{name.replace('_', ' ')}: " + "; ".join(f[name]))
        lines.append("")
    return "\n".join(lines)


def print_confusion(result: dict[str, Any]) -> None:
    for article, f in [*result["articles"].items(), ("all", result["all"])]:
        print(f"{article:>9}  precision {f['precision']}  recall {f['recall']}  exact {f['exact']}  "
              f"cells {f['cells']}")
        if article == "all":
            continue
        print("           truth\\verdict " + " ".join(f"{v:>6}" for v in VERDICTS))
        for truth in TRUTHS:
            print(f"           {truth:>13} " + " ".join(f"{f['confusion'].get(f'{truth}/{v}', 0):>6}"
                                                     for v in VERDICTS))
        for name in ("false_positives", "missed", "inexact"):
            if f[name]:
                print(f"           {name}: " + "; ".join(f[name]))


APP_LIMIT_S = 600
"""Wall-clock limit of one app's sweep: a stalled app costs this much and counts as missing (not flagged)."""


def sweep_corpus(out: Path, only: frozenset[str] = frozenset()) -> tuple[Path, list[str]]:
    """Each corpus app (or only those named) in a sweep of its own (the default farm), so a stalled or
    quarantined device costs one app, not the rest; returns the folder holding the sweeps and the apps that
    did not finish in time."""
    unfinished = []
    for scenario in sorted((CORPUS / "scenarios").glob("*.yaml")):
        if only and scenario.stem not in only:
            continue
        command = ["timeout", "-s", "TERM", "-k", "120", str(APP_LIMIT_S), str(FINGERTIP), "sweep",
                   "--scenarios", str(scenario), "--out", str(out / scenario.stem)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        print(f"{scenario.stem}: exit {done.returncode}", flush=True)
        if done.returncode in (124, 137):
            unfinished.append(scenario.stem)
    return out, unfinished


def figures(result: dict[str, Any], elapsed_s: float | None = None, unfinished: list[str] = ()) -> list[dict[str, Any]]:
    whole = result["all"]
    per = ", ".join(f"{a} {f['precision']}/{f['recall']}" for a, f in result["articles"].items())
    took = f", sweep {elapsed_s:.0f} s" if elapsed_s is not None else ""
    took += f", not finished within {APP_LIMIT_S} s: {', '.join(unfinished)}" if unfinished else ""
    return [
        {"name": "accuracy_precision", "value": whole["precision"], "unit": "", "goal": ">= 0.95",
         "met": (whole["precision"] or 0) >= 0.95,
         "note": f"flags (fail/review) that the truth tables call violation/judgement; {whole['cells']} cells "
                 f"of {whole['apps']} corpus apps; per article precision/recall: {per}; "
                 "confusion in benchmarks/accuracy.md"},
        {"name": "accuracy_recall", "value": whole["recall"], "unit": "", "goal": ">= 1.00",
         "met": (whole["recall"] or 0) >= 1.0,
         "note": f"violation/judgement cells flagged; {len(whole['missed'])} missed: "
                 f"{'; '.join(whole['missed']) or 'none'}{took}"},
        {"name": "accuracy_exact", "value": whole["exact"], "unit": "", "goal": "report", "met": True,
         "note": "cells whose verdict is the expected one (violation → fail, judgement → review, compliant → pass)"},
    ]


def evaluate(folder: Path, only: frozenset[str] = frozenset()) -> dict[str, Any]:
    truth = {app: rows for app, rows in load_truth().items() if not only or app in only}
    result = score(truth, load_verdicts(sweeps_in(folder)))
    print_confusion(result)
    if not only:  # the report is the whole corpus's
        REPORT.write_text(markdown(result, folder.name) + "\n", encoding="utf-8")
    return result


def recheck(folder: Path) -> None:
    for sweep in sweeps_in(folder):
        subprocess.run([str(FINGERTIP), "recheck", str(sweep)], cwd=ROOT, capture_output=True)


def run() -> list[dict[str, Any]]:
    if recorded := os.environ.get("FINGERTIP_ACCURACY_SWEEP"):  # score corpus sweeps already made, rechecked
        folder = Path(recorded).resolve()
        recheck(folder)
        return figures(evaluate(folder))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        folder, unfinished = sweep_corpus(Path(tmp))
        elapsed = time.perf_counter() - started
        return figures(evaluate(folder), elapsed, unfinished)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    only = frozenset(app for arg in argv if arg.startswith("--only=") for app in arg[len("--only="):].split(","))
    if not args:
        for figure in run():
            print(json.dumps(figure, ensure_ascii=False))
        return 0
    folder = Path(args[0]).resolve()
    if "--sweep" in argv:
        _, unfinished = sweep_corpus(folder, only)
        print(f"unfinished: {unfinished}")
    if "--recheck" in argv:
        recheck(folder)
    for figure in figures(evaluate(folder, only)):
        print(json.dumps(figure, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
