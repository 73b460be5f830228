"""Capture overhead: request latency through the harness's proxy stack vs bare mitmdump vs direct."""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import tools
from harness.capture.proxy import CaptureProxy, mitmdump_command
from harness.config import load_scenario
from harness.run import address_map
from harness.samples.server import SampleServer

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 400


def timed(connection: http.client.HTTPConnection, target: str, host: str) -> list[float]:
    latencies = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        connection.request("GET", target, headers={"Host": host})
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
    return latencies[20:]  # warm-up


def run() -> list[dict[str, Any]]:
    scenario = load_scenario(ROOT / "scenarios" / "ebantong.yaml")
    assert scenario.serve is not None
    host = "api.ebantong.demo.test"
    with tempfile.TemporaryDirectory() as folder, SampleServer(scenario.serve) as sample:
        port = sample.ports[4]
        direct = statistics.median(timed(http.client.HTTPConnection("127.0.0.1", port), "/api/news", host))
        bare_port = tools.free_port()
        bare = subprocess.Popen([mitmdump_command(), "-q", "--listen-host", "127.0.0.1", "--listen-port",
                                 str(bare_port), "--set", f"confdir={folder}/bare"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)
            bare_latency = statistics.median(timed(http.client.HTTPConnection("127.0.0.1", bare_port),
                                                   f"http://127.0.0.1:{port}/api/news", host))
        finally:
            bare.terminate()
            bare.wait()
        with CaptureProxy(Path(folder) / "run", Path(folder) / "ca", address_map(scenario, sample)) as proxy:
            assert proxy.port is not None
            stack = statistics.median(timed(http.client.HTTPConnection("127.0.0.1", proxy.port),
                                            f"http://{host}/api/news", host))
    ratio = stack / bare_latency
    return [{"name": "capture_overhead_vs_bare_mitmdump", "value": round(ratio, 2), "unit": "x", "goal": "<= 1.15",
             "met": ratio <= 1.15, "note": f"median latency: direct {direct * 1e3:.2f} ms, bare mitmdump "
                                          f"{bare_latency * 1e3:.2f} ms, Fingertip stack {stack * 1e3:.2f} ms "
                                          f"({REQUESTS} keep-alive GETs on loopback)"}]


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=1))
