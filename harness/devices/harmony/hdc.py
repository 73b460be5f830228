"""The hdc command line for one target: `hdc [-s host:port] -t KEY <command>`.

hdc's exit code says little (a failed shell command still exits 0), so each step reads the output it
is documented to print; a missing hdc or a server that does not answer is a DeviceError naming both.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness import tools
from harness.config.farm import ServerAddress
from harness.devices.harmony import output as out
from harness.errors import BackendUnavailable, DeviceError

NO_SERVER = "Connect server failed"
"""What the hdc client prints when no server process answers at `-s IP:port` (hdc.md, "返回信息")."""
PARAM_FAILED = re.compile(r'^Get parameter ".*" fail! errNum is:-?\d+!?$')
"""`param get NAME` of an unknown or unreadable parameter (init's BShellParamCmdGet): no value at all."""


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


def tconn(device_id: str, target: str, server: ServerAddress | None = None, timeout: float = 15) -> bool:
    """`hdc tconn HOST:PORT`: connect a TCP target (hdc.md: `Connect OK` when it answers)."""
    try:
        return "Connect OK" in _run([hdc_binary(device_id), *server_args(server), "tconn", target], device_id,
                                    timeout)
    except DeviceError:
        return False


def _run(argv: list[str], device_id: str, timeout: float) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, errors="replace")
    except subprocess.TimeoutExpired as e:
        raise DeviceError(device_id, f"`{shlex.join(argv[1:])}` did not answer in {timeout:.0f} s") from e
    except OSError as e:
        raise BackendUnavailable(device_id, f"cannot run hdc ({argv[0]}): {e}") from e
    output = result.stdout + result.stderr
    if NO_SERVER in output:  # hdc's `-s` documentation: no server process listens there (the exit code may be 0)
        where = f"at {argv[2]}" if argv[1:2] == ["-s"] else "on this machine"
        raise DeviceError(device_id, f"no hdc server answers {where} (`{NO_SERVER}`): start it there "
                                     "(`hdc -s IP:PORT -m`) or fix hdc_server in the farm", output)
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
        """The parameter's value, or "" when the device does not know it (`… fail! errNum is:106!` is not a value)."""
        value = self.shell(f"param get {name}").strip()
        return "" if PARAM_FAILED.match(value) else value

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
        """Remove the reverse port. The two rules go as two arguments: the hdc client quotes an argument with a
        space, and `"tcp:8888 tcp:18081"` then matches no rule — the port would stay bound on the device and
        the next run's `rport` would fail (hdc.md: `hdc fport rm tcp:1234 tcp:1080`)."""
        output = self.run("fport", "rm", f"tcp:{device_port}", f"tcp:{host_port}")
        if "Remove forward ruler success" not in output:
            raise DeviceError(self.device_id, f"fport rm tcp:{device_port} tcp:{host_port}: {output.strip()[:300]}",
                              output)
