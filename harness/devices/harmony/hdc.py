"""The hdc command line for one target: `hdc [-s host:port] -t KEY <command>`.

hdc's exit code says little (a failed shell command still exits 0), so each step reads the output it
is documented to print; a missing hdc or a server that does not answer is a DeviceError naming both.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness import tools
from harness.config.farm import ServerAddress
from harness.devices.harmony import output as out
from harness.errors import BackendUnavailable, DeviceError


def hdc_binary(device_id: str) -> str:
    tool = tools.hdc()
    if tool.path is None:
        raise BackendUnavailable(device_id, f"hdc is not installed: {tool.install}")
    return tool.path


def server_args(server: ServerAddress | None) -> list[str]:
    return ["-s", str(server)] if server else []


def list_targets(device_id: str, server: ServerAddress | None = None, timeout: float = 30) -> dict[str, str]:
    result = _run([hdc_binary(device_id), *server_args(server), "list", "targets", "-v"], device_id, timeout)
    return out.parse_targets(result)


def _run(argv: list[str], device_id: str, timeout: float) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired as e:
        raise DeviceError(device_id, f"`{shlex.join(argv[1:])}` did not answer in {timeout:.0f} s") from e
    except OSError as e:
        raise BackendUnavailable(device_id, f"cannot run hdc ({argv[0]}): {e}") from e
    output = result.stdout + result.stderr
    if result.returncode != 0 or output.lstrip().startswith("[Fail]"):
        raise DeviceError(device_id, f"`{shlex.join(argv[1:])}` failed: {output.strip()[:500]}", output)
    return output


@dataclass
class Hdc:
    device_id: str
    target: str
    server: ServerAddress | None = None
    timeout: float = 60.0

    def run(self, *args: str, timeout: float | None = None) -> str:
        argv = [hdc_binary(self.device_id), *server_args(self.server), "-t", self.target, *args]
        return _run(argv, self.device_id, timeout or self.timeout)

    def shell(self, command: str, timeout: float | None = None) -> str:
        return self.run("shell", command, timeout=timeout)

    def param(self, name: str) -> str:
        return self.shell(f"param get {name}").strip()

    def send(self, local: Path, remote: str) -> None:
        output = self.run("file", "send", str(local), remote, timeout=300)
        if "FileTransfer finish" not in output:
            raise DeviceError(self.device_id, f"file send {local.name} → {remote}: {output.strip()[:300]}", output)

    def recv(self, remote: str, local: Path) -> None:
        output = self.run("file", "recv", remote, str(local), timeout=300)
        if "FileTransfer finish" not in output or not local.exists():
            raise DeviceError(self.device_id, f"file recv {remote}: {output.strip()[:300]}", output)

    def rport(self, device_port: int, host_port: int) -> None:
        """Connections to the device's 127.0.0.1:device_port reach this host's 127.0.0.1:host_port."""
        output = self.run("rport", f"tcp:{device_port}", f"tcp:{host_port}")
        if "OK" not in output:  # hdc prints `Forwardport result:OK`
            raise DeviceError(self.device_id, f"rport tcp:{device_port} tcp:{host_port}: {output.strip()[:300]}")

    def rport_remove(self, device_port: int, host_port: int) -> None:
        self.run("fport", "rm", f"tcp:{device_port} tcp:{host_port}")
