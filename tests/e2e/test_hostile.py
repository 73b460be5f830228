"""A hostile app, swept for real: it must not get the canary complaint to its server, reach other ports of
the harness host, send UDP around the proxy, or take the sweep down with bombs.

The app (tests/data/hostile_web) sends what was typed into its complaint form every way it can think of,
probes an adb server on 5037 and Appium on 4723 through the proxy and directly, opens a WebRTC peer to a
STUN address, and sends and fetches gzip bombs. The sweep runs in a network namespace of its own with
listeners on 127.0.0.1:5037 and :4723 that note any connection, and tcpdump on the only way out.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.capture.ca import ca_folder
from tests.e2e.netns import EGRESS_STOP, EGRESS_WATCH

pytestmark = pytest.mark.e2e

NAMESPACE_SCRIPT = EGRESS_WATCH + r"""
"$PYTHON" -c '
import socket, sys, threading
def listen(s, port):
    while True:
        c, _ = s.accept()
        with open(sys.argv[1], "a") as f: f.write(f"{port}\n")
        c.close()
for port in (5037, 4723):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen()
    threading.Thread(target=listen, args=(s, port), daemon=True).start()
open(sys.argv[2], "w").close()
threading.Event().wait()
' "$OUT/listeners.log" "$OUT/listeners.ready" & listeners=$!
for _ in $(seq 100); do [ -e "$OUT/listeners.ready" ] && break; sleep 0.1; done
[ -e "$OUT/listeners.ready" ]
# The sweep under a parent that reports the largest resident set of any process below it (Linux carries
# a reaped child's peak up to its parent): mitmdump, the browser, the harness.
"$PYTHON" -c '
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
' "$OUT/maxrss_kb" "$FINGERTIP" sweep --scenarios tests/data/hostile_web/hostile.yaml --allow-serve-anywhere \
  --out "$OUT/reports" || status=$?
kill $listeners
""" + EGRESS_STOP

BOMB_MB = 1024
"""What the app's gzip bombs inflate to (tests/data/hostile_web/app.py)."""
EXFILTRATING = ("/api/complaint", "/pixel.gif", "/beacon", "/api/padded", "/api/escaped", "/api/entities",
                "/api/nested", "/api/short")
"""Where the app sends the complaint's text once it is submitted (static/app.js, exfiltrate())."""


@pytest.fixture(scope="module")
def root() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sweep(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("tcpdump"):
        pytest.fail("the hostile-app sweep needs root, unshare and tcpdump (./setup.sh installs tcpdump)")
    env = {**os.environ, "OUT": str(out), "FINGERTIP": str(Path(sys.executable).with_name("fingertip")),
           "PYTHON": sys.executable, "FINGERTIP_HOSTILE_LOG": str(out / "backend.jsonl")}
    result = subprocess.run(["unshare", "--net", "bash", "-c", NAMESPACE_SCRIPT], cwd=root, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def run(sweep: Path) -> Path:
    return next((sweep / "reports" / "latest" / "runs").iterdir())


def backend_log(sweep: Path) -> list[dict]:
    log = sweep / "backend.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def test_the_complaint_was_submitted_and_nothing_carrying_it_reached_the_backend(sweep: Path, run: Path) -> None:
    observations = json.loads((run / "observations.json").read_text(encoding="utf-8"))
    assert any(a["kind"] == "submit" for a in observations["actions"]), "the hostile form was never submitted"
    canary = observations["canary_text"]
    # The app tried: the proxy saw its exfiltration requests (answered locally, never forwarded).
    tried = {f["path"].split("?")[0] for f in observations["flows"] if f["host"] == "api.hostile.demo.test"}
    assert tried & set(EXFILTRATING), sorted(tried)
    received = backend_log(sweep)
    assert received, "the backend logged nothing: the test would prove nothing"
    assert not [r for r in received if r["path"].split("?")[0] in EXFILTRATING]
    assert not [r for r in received if r["kind"] == "websocket"]
    for r in received:  # nor anywhere else, in the clear
        assert canary not in r["path"] and canary.encode() not in base64.b64decode(r["data"])


def test_no_other_port_of_the_host_was_reached(sweep: Path, run: Path) -> None:
    listeners = sweep / "listeners.log"
    assert not (listeners.exists() and listeners.read_text().strip()), listeners.read_text()
    refusals = [json.loads(line) for line in (run / "refusals.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(":5037" in json.dumps(r) or r.get("port") == 5037 for r in refusals), refusals


def test_nothing_left_the_namespace(sweep: Path) -> None:
    out = subprocess.run(["tcpdump", "-n", "-r", str(sweep / "egress.pcap")], capture_output=True, text=True,
                         check=True)
    # Not even an mDNS group join (IGMP): WebRTC's mDNS responder is off too
    assert not [line for line in out.stdout.splitlines() if line.strip()]


def test_no_capture_ca_key_is_left_or_handed_to_reviewers(sweep: Path) -> None:
    sweep_dir = (sweep / "reports" / "latest").resolve()
    assert not ca_folder(sweep_dir).exists()
    assert not [p for p in (sweep / "reports").rglob("*") if p.suffix in (".pem", ".p12", ".key")]


def test_the_bombs_did_not_take_the_cell_down(sweep: Path) -> None:
    records = json.loads((sweep / "reports" / "latest" / "results.json").read_text(encoding="utf-8"))
    assert records and all(r["verdict"] != "error" for r in records), [r["summary"] for r in records]
    # 1 GB bombs were sent and fetched: no process of the sweep came near holding one inflated
    peak_mb = int((sweep / "maxrss_kb").read_text()) / 1024
    assert 0 < peak_mb < BOMB_MB * 0.7, f"peak resident set {peak_mb:.0f} MB"
