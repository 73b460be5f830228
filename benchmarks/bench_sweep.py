"""Sweeps of the bundled samples: harness overhead per cell, and parallel efficiency -n 1 vs -n 2.

Harness overhead = a cell's wall time / the device's own time in it (app launch, waiting for the
app after each action, the dwell), from each run's observations. Parallel efficiency = (time with
-n 1) / (2 × time with -n 2) on a farm of two web devices; memory = the peak RSS of a pytest-xdist
worker process (its browser, Appium and mitmdump are separate processes, sampled too).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FINGERTIP = Path(sys.executable).with_name("fingertip")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Peak RSS of xdist workers (python … exec(eval(…))) and of the whole process tree, every 0.5 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.worker_peak = 0.0
        self.total_peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            worker, total = 0.0, 0.0
            for status in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    cmdline = status.read_bytes().replace(b"\0", b" ")
                except OSError:
                    continue
                pid = int(status.parent.name)
                if b"exec(eval(sys.stdin.readline()))" in cmdline:
                    worker = max(worker, _rss_mb(pid))
                if any(k in cmdline for k in (b"chromium", b"chromedriver", b"appium", b"mitmdump", b"Xvfb",
                                              b"ffmpeg", b"fingertip", b"exec(eval")):
                    total += _rss_mb(pid)
            self.worker_peak, self.total_peak = max(self.worker_peak, worker), max(self.total_peak, total)


def sweep(out: Path, workers: int, farm: Path) -> tuple[float, list[dict[str, Any]], MemorySampler]:
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    command = [str(FINGERTIP), "sweep", "--farm", str(farm), "--out", str(out)]
    if workers:
        command += ["-n", str(workers)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=3600)
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    observations = [json.loads(p.read_text(encoding="utf-8"))
                    for p in (out / "latest" / "runs").glob("*/observations.json")]
    return elapsed, observations, sampler


def run() -> list[dict[str, Any]]:
    farm = ROOT / "benchmarks" / "farm_two_web.yaml"
    with tempfile.TemporaryDirectory() as folder:
        one, cells, _ = sweep(Path(folder) / "n1", 1, farm)
        two, _, memory = sweep(Path(folder) / "n2", 2, farm)
    ratios = [c["timing"]["wall_s"] / c["timing"]["device_s"] for c in cells if c.get("timing", {}).get("device_s")]
    overhead = statistics.mean(ratios)
    efficiency = one / (2 * two)
    return [
        {"name": "harness_overhead_per_cell", "value": round(overhead, 2), "unit": "x", "goal": "<= 1.10",
         "met": overhead <= 1.10, "note": f"mean over {len(ratios)} cells of wall time / device time "
                                          f"(launch, waiting for the app, dwell)"},
        {"name": "parallel_efficiency_n2", "value": round(efficiency, 2), "unit": "of ideal", "goal": ">= 0.9",
         "met": efficiency >= 0.9, "note": f"{len(cells)} cells: -n 1 {one:.0f} s, -n 2 {two:.0f} s on 2 cores"},
        {"name": "memory_per_worker", "value": round(memory.worker_peak, 0), "unit": "MB", "goal": "report",
         "met": True, "note": f"peak RSS of one xdist worker; whole tree with browsers, Appium, mitmdump: "
                              f"{memory.total_peak:.0f} MB"},
    ]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
