"""frida-server on an Android device: the right binary for the client's version and the device's ABI,
pushed, started as root, health-checked, and stopped again with the device as it was.

The binary cannot be downloaded by the harness: it comes from the farm entry's `frida.server` path or
from the cache folder, named as Frida releases name it (frida-server-<version>-android-<arch>[.xz]).
Version or ABI mismatches — the most common reason hooks silently fail elsewhere — are refused
before anything is pushed, and checked again on the device.
"""

from __future__ import annotations

import contextlib
import lzma
import re
import secrets
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import adbutils
import frida

from harness.devices.common.journal import Journal
from harness.errors import DeviceError

DEFAULT_CACHE = Path.home() / ".cache" / "fingertip" / "frida-server"
DEVICE_DIR = "/data/local/tmp"
DEVICE_PORT = 27042
USAP_POOL = "persist.device_config.runtime_native.usap_pool_enabled"
"""Zygote's unspecialized app process pool: with it on, apps start from pre-forked processes that spawn
gating never sees."""

ABI_ARCH = {"arm64-v8a": "arm64", "armeabi-v7a": "arm", "armeabi": "arm", "x86_64": "x86_64", "x86": "x86"}
ELF_MACHINE_ARCH = {183: "arm64", 40: "arm", 62: "x86_64", 3: "x86"}
VERSION = re.compile(rb"(?<![\d.])(\d+\.\d+\.\d+)(?![\d.])")


class FridaServerError(DeviceError):
    """frida-server could not be found, matched, pushed, started or stopped."""


@dataclass(frozen=True)
class ServerBinary:
    data: bytes
    version: str
    arch: str
    origin: Path


def elf_arch(data: bytes) -> str | None:
    """The architecture an ELF file is built for (from e_machine), None for anything else."""
    if len(data) < 20 or data[:4] != b"\x7fELF":
        return None
    machine = int.from_bytes(data[18:20], "little" if data[5] == 1 else "big")
    return ELF_MACHINE_ARCH.get(machine)


def find_binary(version: str, arch: str, configured: Path | None, cache: Path) -> ServerBinary:
    """The frida-server for `version` and `arch`: the configured file, or the cache's release file."""
    name = f"frida-server-{version}-android-{arch}"
    candidates = [configured] if configured is not None else [cache / name, cache / f"{name}.xz"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        where = str(configured) if configured is not None else f"{cache}/{name}[.xz]"
        raise FridaServerError("-", f"frida-server {version} for android-{arch} not found at {where}; the harness "
                               "cannot download it: place the release file there (or set `frida.server` in the farm "
                               "entry)")
    data = path.read_bytes()
    if path.suffix == ".xz":
        try:
            data = lzma.decompress(data)
        except lzma.LZMAError as e:
            raise FridaServerError("-", f"{path} is not a valid .xz file: {e}") from e
    built_for = elf_arch(data)
    if built_for != arch:
        raise FridaServerError("-", f"{path} is built for {built_for or 'no known ELF architecture'}, the device needs "
                               f"android-{arch}")
    if version.encode() not in VERSION.findall(data):
        carried = sorted({v.decode() for v in VERSION.findall(data)})[:3]
        raise FridaServerError("-", f"{path} is not frida-server {version} (the client's version; it carries "
                               f"{', '.join(carried) or 'no version'}): server and client versions must match")
    return ServerBinary(data, version, arch, path)


@dataclass
class FridaServer:
    """`with FridaServer(adb_device, …) as server:` — server.frida_device() is where hooks are loaded."""

    adb: adbutils.AdbDevice
    device_id: str
    configured: Path | None = None
    cache: Path = DEFAULT_CACHE
    port: int = DEVICE_PORT
    version: str = frida.__version__
    start_timeout_s: float = 10.0
    host: str = "127.0.0.1"
    """Where adb's forwards listen: this machine, or a remote adb server's host (started with `adb -a`, whose
    forwards then listen on every interface too)."""
    journal: Journal | None = None
    """Records the running server, so a sweep killed outright has it stopped when the device is next opened."""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    """Required of every client (`--token`): an app on the same phone cannot attach through the server. One
    FridaServer lives for a device's whole sweep, so the token is per sweep."""
    notes: list[str] = field(default_factory=list)
    _su: str = ""
    """How to become root when adbd is not: `aosp` (`su 0 sh -c …`) or `-c` (Magisk / SuperSU `su -c …`)."""
    _usap_before: str | None = None
    _pid: int | None = None
    _local_port: int | None = None
    _frida_device: Any = None

    @property
    def remote_path(self) -> str:
        return f"{DEVICE_DIR}/frida-server-{self.version}"

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ── shell ────────────────────────────────────────────────────────────────────────────────

    def _shell(self, command: str, root: bool = False) -> tuple[str, int]:
        line = command
        if root and self._su == "aosp":  # AOSP su: `su [WHO [COMMAND...]]`, no -c
            line = f"su 0 sh -c {shlex.quote(command)}"
        elif root and self._su == "-c":
            line = f"su -c {shlex.quote(command)}"
        try:
            result = self.adb.shell2(line, timeout=30)
        except adbutils.AdbError as e:
            raise FridaServerError(self.device_id, f"adb: {e}") from e
        return str(result.output).strip(), int(result.returncode)

    def _checked(self, command: str, root: bool = False) -> str:
        output, code = self._shell(command, root)
        if code != 0:
            raise FridaServerError(self.device_id, f"`{command}` failed (exit {code})", output)
        return output

    # ── lifecycle ────────────────────────────────────────────────────────────────────────────

    def device_arch(self) -> str:
        abi = self._checked("getprop ro.product.cpu.abi")
        if abi not in ABI_ARCH:
            raise FridaServerError(self.device_id, f"unknown device ABI {abi!r} (known: {', '.join(ABI_ARCH)})")
        return ABI_ARCH[abi]

    def _become_root(self) -> None:
        """adbd as root; else `adb root` on a debuggable build (emulators' google_apis images are userdebug);
        else su in its AOSP form, then in Magisk's / SuperSU's."""
        if self._checked("id -u") == "0":
            return
        if self._shell("getprop ro.debuggable")[0] == "1":
            with contextlib.suppress(adbutils.AdbError):
                answer = str(self.adb.root())
                if "cannot run as root" not in answer:
                    self._wait_for_adbd_root()
                    if self._shell("id -u")[0] == "0":
                        return
        for form, probe in (("aosp", "su 0 id -u"), ("-c", "su -c 'id -u'")):
            output, code = self._shell(probe)
            if code == 0 and output == "0":
                self._su = form
                return
        raise FridaServerError(self.device_id, "frida-server needs root: use an emulator or userdebug image "
                               "(`adb root`) or a rooted phone with su", output)

    def _wait_for_adbd_root(self, timeout: float = 20.0) -> None:
        """adbd restarts after `adb root`: the device drops off adb for a moment."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            with contextlib.suppress(FridaServerError):
                if self._shell("id -u")[0] == "0":
                    return

    def start(self) -> None:
        binary = find_binary(self.version, self.device_arch(), self.configured, self.cache)
        self._become_root()
        running = self._pids()
        if running and self.journal is not None and self.journal.load().get("frida_server"):
            self.stop_leftover()  # a sweep killed outright left it: ours to stop
            running = self._pids()
        if running:
            raise FridaServerError(self.device_id, f"a frida-server is already running (pid {', '.join(running)}) "
                                   "that Fingertip did not start: stop it first, its version may not match")
        try:
            self.adb.sync.push(binary.data, self.remote_path, mode=0o755)
        except adbutils.AdbError as e:
            raise FridaServerError(self.device_id, f"push {self.remote_path}: {e}") from e
        reported = self._checked(f"{self.remote_path} --version")
        if reported != self.version:
            raise FridaServerError(self.device_id, f"frida-server on the device reports {reported!r}, the client is "
                                   f"{self.version}: versions must match")
        self._usap_before = self._checked(f"getprop {USAP_POOL}")
        if self._usap_before != "false":
            self._checked(f"setprop {USAP_POOL} false", root=True)
        # argv, not a config file: an app cannot read another uid's /proc/PID/cmdline (hidepid, Android 7+).
        self._checked(f"{self.remote_path} -l 127.0.0.1:{self.port} --token={shlex.quote(self.token)} -D", root=True)
        deadline = time.monotonic() + self.start_timeout_s
        while not (pids := self._pids()):
            if time.monotonic() > deadline:
                raise FridaServerError(self.device_id, f"frida-server did not start in {self.start_timeout_s:.0f} s")
            time.sleep(0.2)
        self._pid = int(pids[0])
        if self.journal is not None:
            self.journal.set("frida_server", {"path": self.remote_path, "usap_before": self._usap_before,
                                              "su": self._su})
        self._local_port = self.adb.forward_port(self.port)
        self.notes.append(f"frida-server {self.version} ({binary.arch}) from {binary.origin}: pid {self._pid}")

    def _pids(self) -> list[str]:
        output, code = self._shell(f"pidof {self.remote_path.rsplit('/', 1)[-1]}")
        return output.split() if code == 0 else []

    def healthy(self) -> bool:
        """The server process still runs (and answers, once a frida device was opened)."""
        if self._pid is None or str(self._pid) not in self._pids():
            return False
        if self._frida_device is not None:
            try:
                self._frida_device.query_system_parameters()
            except (frida.TransportError, frida.ServerNotRunningError, frida.InvalidOperationError):
                return False
        return True

    def frida_device(self) -> Any:
        """The frida device behind the forwarded port: spawn / attach / spawn gating go through it."""
        if self._local_port is None:
            raise FridaServerError(self.device_id, "frida-server is not running")
        if self._frida_device is None:
            manager = frida.get_device_manager()
            self._frida_device = manager.add_remote_device(self.address, token=self.token)
        return self._frida_device

    @property
    def address(self) -> str:
        return f"{self.host}:{self._local_port}"

    def stop(self) -> None:
        """Stop what was started and put the USAP pool back; safe to call twice or after a failed start."""
        if self._frida_device is not None:
            with contextlib.suppress(frida.InvalidArgumentError, frida.TransportError):
                frida.get_device_manager().remove_remote_device(self.address)
            self._frida_device = None
        if self._local_port is not None:
            with contextlib.suppress(adbutils.AdbError):
                self.adb.forward_remove(f"tcp:{self._local_port}")
            self._local_port = None
        if self._pid is not None:
            output, code = self._shell(f"kill {self._pid}", root=True)
            if code != 0:
                self.notes.append(f"frida-server pid {self._pid} could not be stopped: {output}")
            self._pid = None
        if self._usap_before is not None and self._usap_before != "false":
            self._shell(f"setprop {USAP_POOL} {shlex.quote(self._usap_before)}", root=True)  # '' when it was unset
        self._usap_before = None
        if self.journal is not None:
            self.journal.drop("frida_server")

    def stop_leftover(self) -> None:
        """Stop the frida-server a killed sweep left running (the journal names it) and put its USAP pool
        setting back."""
        record = self.journal.load().get("frida_server") if self.journal is not None else None
        if not isinstance(record, dict):
            return
        self._su = str(record.get("su", self._su))
        name = str(record.get("path", self.remote_path)).rsplit("/", 1)[-1]
        output, code = self._shell(f"pidof {shlex.quote(name)}")
        for pid in output.split() if code == 0 else []:
            if pid.isdigit():
                self._shell(f"kill {pid}", root=True)
        before = record.get("usap_before")
        if isinstance(before, str) and before != "false":
            self._shell(f"setprop {USAP_POOL} {shlex.quote(before)}", root=True)
        self.notes.append(f"stopped the frida-server a killed sweep left running ({name})")
        if self.journal is not None:
            self.journal.drop("frida_server")
