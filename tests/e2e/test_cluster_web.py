"""A real multi-host sweep on one machine: `fingertip scheduler`, two `fingertip worker` processes each owning
its own web device (Chromium through Appium, recorded in Xvfb), and `fingertip sweep --cluster` of a bundled
sample: the README's verdicts on both hosts, each run folder (video included) back in the sweep folder. Each
worker is known on the engine by an address where connecting is refused: the sweep needs no connection to it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FINGERTIP = Path(sys.executable).with_name("fingertip")


def started(args: list[str], log: Path, ready: str) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen([str(FINGERTIP), *args], cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               env=os.environ.copy())
    end = time.monotonic() + 60
    while time.monotonic() < end and process.poll() is None:
        found = re.search(ready, log.read_text(errors="replace"))
        if found:
            return process, found.group(0)
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"{args[0]} did not start: {log.read_text(errors='replace')[-2000:]}")


def test_a_sample_swept_across_two_worker_hosts(tmp_path: Path) -> None:
    processes: list[subprocess.Popen[bytes]] = []
    refused = [socket.socket() for _ in range(2)]  # bound, never listening: connecting there is refused
    try:
        scheduler, line = started(["scheduler", "--port", "0"], tmp_path / "scheduler.log",
                                  r"fingertip scheduler at tcp://\S+")
        processes.append(scheduler)
        address = line.split()[-1]
        for (host, device), probe in zip((("host-a", "web-a"), ("host-b", "web-b")), refused, strict=True):
            probe.bind(("127.0.0.1", 0))
            contact = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
            farm = tmp_path / f"{device}.yaml"
            farm.write_text(f"devices:\n  - id: {device}\n    kind: web\n    labels: [os:web-chromium]\n",
                            encoding="utf-8")
            worker, _ = started(["worker", "--scheduler", address, "--farm", str(farm), "--work",
                                 str(tmp_path / host), "--name", host, "--contact-address", contact],
                                tmp_path / f"{host}.log", f"fingertip worker {host} at {contact}:")
            processes.append(worker)
        result = subprocess.run([str(FINGERTIP), "sweep", "--cluster", address, "--scenarios",
                                 str(ROOT / "scenarios" / "zhangshang.yaml"), "--out", str(tmp_path / "out")],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        for probe in refused:
            probe.close()
    latest = tmp_path / "out" / "latest"
    records = json.loads((latest / "results.json").read_text(encoding="utf-8"))
    assert {(r["device"], r["run"]["host"]) for r in records} == {("web-a", "host-a"), ("web-b", "host-b")}
    assert {r["verdict"] for r in records} == {"pass"}  # zhangshang passes every article (README)
    for device in ("web-a", "web-b"):
        assert (latest / "runs" / f"zhangshang@{device}" / "video.mp4").stat().st_size > 10_000
    assert (latest / "junit.xml").is_file() and (latest / "index.html").is_file()
