"""The capture proxy's lifecycle: one mitmdump process per run, with Fingertip's addons.

A separate process keeps a proxy crash from taking the worker down, and lets the addons declare
and parse their options the mitmproxy way (`--set fingertip_…`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.capture import mitm_entry
from harness.capture.addons.submission_guard import PROBE_HOST
from harness.errors import CaptureError

AddressMap = dict[str, list[tuple[str, int | None]]]
BODY_SIZE_LIMIT = "16m"
"""Largest body mitmproxy holds; a larger one is refused (413 / 502). Bodies are never streamed past the
addons (`stream_large_bodies` stays unset): a streamed request would skip the submission guard."""
PROBE_WAIT_S = 5.0


@dataclass(frozen=True)
class CaptureFiles:
    flows: Path
    hook_events: Path
    refusals: Path
    log: Path
    probes: Path

    @classmethod
    def in_dir(cls, folder: Path) -> CaptureFiles:
        return cls(folder / "flows.mitm", folder / "hook_events.jsonl", folder / "refusals.jsonl",
                   folder / "proxy.log", folder / "capture_probes.jsonl")


def mitmdump_command() -> str:
    beside = Path(sys.executable).with_name("mitmdump")
    found = str(beside) if beside.exists() else shutil.which("mitmdump")
    if not found:
        raise CaptureError("mitmdump not found: install the project (pip install -e .)")
    return found


def ca_spki_hash(confdir: Path) -> str:
    """base64 SHA-256 of the capture CA's SubjectPublicKeyInfo, as Chromium's SPKI allow-list wants it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate((confdir / "mitmproxy-ca-cert.pem").read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class CaptureProxy:
    """Context manager: a recording, egress-guarded, self-resolving proxy on 127.0.0.1."""

    def __init__(
        self,
        run_dir: Path,
        confdir: Path,
        hosts: AddressMap,
        only_family: int | None = None,
        ports: dict[str, list[int]] | None = None,
        upstream_ca: Path | None = None,
        canary_text: str = "",
        allow_submission: bool = False,
        start_timeout: float = 30.0,
    ) -> None:
        self.run_dir = run_dir
        self.confdir = confdir
        self.hosts = hosts
        self.ports = ports or {}
        """Host → the ports the app may ask for; a host not named: 80 and 443."""
        self.only_family = only_family
        self.upstream_ca = upstream_ca
        self.canary_text = canary_text
        self.allow_submission = allow_submission
        self.start_timeout = start_timeout
        self.files = CaptureFiles.in_dir(run_dir)
        self.hook_secret = secrets.token_hex(16)
        """Hook reports must carry it (the app can post to the hook sink too); given to the device's script."""
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, ready: Path) -> list[str]:
        options = {
            "confdir": str(self.confdir),
            "connection_strategy": "lazy",  # never open an upstream connection before the guard has spoken
            "body_size_limit": BODY_SIZE_LIMIT,
            "fingertip_ready": str(ready),
            "fingertip_allow": ",".join(sorted(self.hosts)),
            "fingertip_hosts": json.dumps(self.hosts),
            "fingertip_ports": json.dumps(self.ports),
            "fingertip_probes": str(self.files.probes),
            "fingertip_only_family": str(self.only_family or 0),
            "fingertip_flows": str(self.files.flows),
            "fingertip_hook_events": str(self.files.hook_events),
            "fingertip_hook_secret": self.hook_secret,
            "fingertip_refusals": str(self.files.refusals),
            "fingertip_canary_text": self.canary_text,
            "fingertip_allow_submission": str(self.allow_submission).lower(),
        }
        if self.upstream_ca:
            options["ssl_verify_upstream_trusted_ca"] = str(self.upstream_ca)
        # No flow dump, but warnings and errors go to proxy.log: capture trouble must be visible.
        command = [mitmdump_command(), "--flow-detail", "0", "--set", "termlog_verbosity=warn",
                   "--listen-host", "127.0.0.1", "--listen-port", "0",
                   "-s", mitm_entry.__file__]
        for key, value in options.items():
            command += ["--set", f"{key}={value}"]
        return command

    def __enter__(self) -> CaptureProxy:
        self.start()
        return self.wait_ready()

    def start(self) -> None:
        """Spawn mitmdump without waiting for it (it boots in seconds: a run starts it while the app dwells, and
        `wait_ready` finds it listening). The caller stops it, started or not."""
        if self._process is not None:
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.confdir.mkdir(parents=True, exist_ok=True)
        ready = self.run_dir / "proxy.ready"
        ready.unlink(missing_ok=True)
        self._started = time.monotonic()
        with open(self.files.log, "ab") as log:
            self._process = subprocess.Popen(self.command(ready), stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)

    def wait_ready(self) -> CaptureProxy:
        """Until mitmdump listens (started now if it was not), within `start_timeout` of its start."""
        if self.port is not None and self.alive():
            return self
        self.start()
        assert self._process is not None
        ready = self.run_dir / "proxy.ready"
        try:  # whatever stops the start (a timeout, Ctrl-C, SIGTERM) must not leave mitmdump running
            deadline = self._started + self.start_timeout
            while not ready.exists():
                if self._process.poll() is not None:
                    raise CaptureError(f"mitmdump exited with {self._process.returncode} while starting",
                                       self.files.log.read_text(errors="replace")[-4000:])
                if time.monotonic() > deadline:
                    raise CaptureError(f"mitmdump did not listen within {self.start_timeout:.0f} s",
                                       self.files.log.read_text(errors="replace")[-4000:])
                time.sleep(0.05)
            self.port = int(json.loads(ready.read_text())["listen"][0][1])
        except BaseException:
            self.stop()
            raise
        return self

    def probe_url(self, token: str, scheme: str = "http") -> str:
        """The URL a device fetches to prove its traffic reaches this proxy (answered by the proxy itself)."""
        return f"{scheme}://{PROBE_HOST}/probe/{token}"

    def saw_probe(self, token: str, timeout: float = PROBE_WAIT_S) -> bool:
        """Did the probe with `token` arrive (waiting up to `timeout` s for the proxy to log it)?"""
        deadline = time.monotonic() + timeout
        while True:
            if self.files.probes.exists():
                for line in self.files.probes.read_text(encoding="utf-8", errors="replace").splitlines():
                    with contextlib.suppress(ValueError, TypeError):
                        if json.loads(line).get("token") == token:
                            return True
            if time.monotonic() >= deadline or not self.alive():
                return False
            time.sleep(0.05)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> int | None:
        """Stop mitmdump (SIGTERM lets the addons close their files); returns its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def __exit__(self, *exc: object) -> None:
        self.stop()
