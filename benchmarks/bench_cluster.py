"""Multi-host sweeps: cells per hour with one worker vs two, and the engine's added latency per cell.

A scheduler and `fingertip worker` processes on this machine, each owning one web device whose runs are fakes
taking RUN_S seconds (tests/fakes/cluster_worker.py, through the real SweepSession, results and run pages):
what is measured is the engine, the run folders' transfer and the writing on the submitting host, not Chromium
(a real cell's own time is bench_sweep's). Latency per cell = a cell's wall time on one worker minus the same
cell through a local session in this process. `python benchmarks/bench_cluster.py` prints the figures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RUN_S = 2.0
APPS = 8
SCENARIO = ("id: {id}\nname: {id} 应用\nplatform: web\nentry: http://app.{id}.test/\n"
            "hosts:\n  app.{id}.test: [127.0.0.1]\n")


def _start(args: list[str], log: Path, ready: str) -> tuple[subprocess.Popen[bytes], re.Match[str]]:
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               env={**os.environ, "FINGERTIP_FAKE_RUN_S": str(RUN_S)})
    end = time.monotonic() + 60
    while time.monotonic() < end:
        found = re.search(ready, log.read_text(errors="replace"))
        if found:
            return process, found
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{args[:3]} did not start: {log.read_text(errors='replace')[-1000:]}")


def _sweep(address: str, scenarios: Path, out: Path) -> float:
    from harness.cli import main

    started = time.perf_counter()
    if main(["sweep", "--cluster", address, "--scenarios", str(scenarios), "--out", str(out)]) != 0:
        raise RuntimeError("the cluster sweep failed")
    return time.perf_counter() - started


def _local_per_cell(tmp: Path, scenarios: Path) -> float:
    from harness.config.farm import Farm, WebDeviceSpec
    from harness.config.scenario import load_scenarios
    from harness.session import SweepSession
    from tests.fakes import cluster_worker

    os.environ["FINGERTIP_FAKE_RUN_S"] = str(RUN_S)
    cluster_worker.install()
    spec = WebDeviceSpec(id="web-a")
    session = SweepSession(Farm(path=tmp / "farm.yaml", devices=(spec,)), tmp / "local" / "s1", "s1",
                           tmp / "local" / ".leases")
    started = time.perf_counter()
    for scenario in load_scenarios([scenarios]):
        session.run_cell(scenario, spec)
    session.close()
    return (time.perf_counter() - started) / APPS


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        scenarios = tmp / "scenarios"
        scenarios.mkdir()
        for i in range(APPS):
            app = f"{'good' if i % 2 else 'bad'}-{i}"
            (scenarios / f"{app}.yaml").write_text(SCENARIO.format(id=app), encoding="utf-8")
        processes = []
        try:
            scheduler, found = _start(["-m", "harness.cli", "scheduler", "--port", "0"], tmp / "scheduler.log",
                                      r"fingertip scheduler at (tcp://\S+)")
            processes.append(scheduler)
            address = found.group(1)

            def worker(device: str) -> None:
                farm = tmp / f"{device}.yaml"
                farm.write_text(f"devices:\n  - id: {device}\n    kind: web\n", encoding="utf-8")
                process, _ = _start(["-m", "tests.fakes.cluster_worker", "--scheduler", address, "--farm", str(farm),
                                     "--work", str(tmp / device), "--name", f"host-{device}"],
                                    tmp / f"{device}.log", f"fingertip worker host-{device} at")
                processes.append(process)

            worker("web-a")
            one = _sweep(address, scenarios, tmp / "out")
            worker("web-b")
            two = _sweep(address, scenarios, tmp / "out")
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        local = _local_per_cell(tmp, scenarios)
    per_hour_one, per_hour_two = APPS / one * 3600, 2 * APPS / two * 3600
    efficiency = per_hour_two / (2 * per_hour_one)
    latency_ms = (one / APPS - local) * 1000
    note = f"{APPS} apps, fake device runs of {RUN_S:.0f} s, workers on one machine"
    return [
        {"name": "cluster_cells_per_hour_one_worker", "value": round(per_hour_one), "unit": "cells/h",
         "goal": "report", "met": True, "note": f"{note}: {APPS} cells in {one:.1f} s"},
        {"name": "cluster_cells_per_hour_two_workers", "value": round(per_hour_two), "unit": "cells/h",
         "goal": "report", "met": True, "note": f"{note}: {2 * APPS} cells in {two:.1f} s"},
        {"name": "cluster_parallel_efficiency", "value": round(efficiency, 2), "unit": "of ideal", "goal": ">= 0.9",
         "met": efficiency >= 0.9, "note": "cells per hour with two workers / twice that with one"},
        {"name": "cluster_latency_per_cell", "value": round(latency_ms), "unit": "ms", "goal": "<= 500",
         "met": latency_ms <= 500, "note": f"one worker's wall time per cell minus a local session's "
                                         f"({local * 1000:.0f} ms) for the same fake cell"},
    ]


if __name__ == "__main__":
    for figure in run():
        print(json.dumps(figure, ensure_ascii=False))
