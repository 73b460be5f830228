"""Runs every benchmark side by side and writes benchmarks/results.json and the table in the README.

Each figure: name, value, unit, goal, met (and a note saying what was measured). Figures are
measured, never asserted: the test suite does not time anything.
"""

from __future__ import annotations

import json
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_accuracy
import bench_capture
import bench_cluster
import bench_evidence
import bench_report
import bench_sweep

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"


def table(figures: list[dict[str, Any]], when: str) -> str:
    rows = [f"Measured {when} on {platform.machine()} ({sys.version.split()[0]}) by `benchmarks/run`:", "",
            "| figure | value | goal | met | what |", "|---|---|---|---|---|"]
    rows += [f"| {f['name']} | {f['value']} {f['unit']} | {f['goal']} | {'yes' if f['met'] else '**no**'} | "
             f"{f['note']} |" for f in figures]
    return "\n".join(rows)


def main(names: list[str]) -> int:
    benches = {"evidence": bench_evidence, "report": bench_report, "capture": bench_capture, "sweep": bench_sweep,
               "accuracy": bench_accuracy, "cluster": bench_cluster}
    chosen = names or list(benches)
    out = ROOT / "benchmarks" / "results.json"
    figures: list[dict[str, Any]] = json.loads(out.read_text()) if out.exists() and names else []
    for name in chosen:
        print(f"== {name}", flush=True)
        new = benches[name].run()
        figures = [f for f in figures if f["name"] not in {n["name"] for n in new}] + new
        for figure in new:
            print(json.dumps(figure, ensure_ascii=False), flush=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{table(figures, time.strftime('%Y-%m-%d'))}\n{END}"
    README.write_text(re.sub(f"{re.escape(BEGIN)}.*?{re.escape(END)}", lambda _: block, text, flags=re.S),
                      encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
