"""A fake adb server speaking the real host protocol (smart-socket requests, transports, shell v1,
sync push/stat/pull, forward, reverse), so adbutils runs for real in tests. Its devices are small models: properties,
files, processes and a handful of shell commands, enough for the harness's device steps.

It is a fake of the wire protocol, not of Android: commands it does not know answer as a device's
shell does for a missing program (exit 127), so a harness step that needs one fails loudly.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import socket
import socketserver
import stat
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Self

Output = str | Iterable[str]
"""What a fake program prints: all at once, or chunk by chunk (a generator streams, like screenrecord's shell)."""

EXIT_MARK = "; echo X4EXIT:$?"  # adbutils' shell2 over shell v1 appends this to learn the exit code


@dataclass
class FakeFile:
    data: bytes
    mode: int


@dataclass
class FakeAndroid:
    serial: str
    state: str = "device"
    """device · unauthorized · offline, as `adb devices` prints it."""
    props: dict[str, str] = field(default_factory=dict)
    files: dict[str, FakeFile] = field(default_factory=dict)
    processes: dict[int, list[str]] = field(default_factory=dict)
    root: bool = False
    """adbd runs as root (userdebug / emulator images)."""
    su: bool = False
    """A `su` binary grants root (rooted phones)."""
    su_form: str = "-c"
    """`-c`: Magisk / SuperSU (`su -c COMMAND`). `aosp`: AOSP's su (system/extras/su/su.cpp, on userdebug images):
    `su [WHO [COMMAND...]]`, whose first argument is always WHO, so `su -c …` fails ("invalid uid/gid '-c'")."""
    debuggable: bool = False
    """ro.debuggable=1 (userdebug / eng): `adb root` restarts adbd as root; production builds refuse it."""
    commands: list[str] = field(default_factory=list)
    extra: dict[str, Callable[[list[str]], tuple[Output, int]]] = field(default_factory=dict)
    """Further programs by name: argv → (output, exit code)."""
    reverses: dict[str, str] = field(default_factory=dict)
    """`adb reverse`: device side → host side."""
    shell_pids: set[int] = field(default_factory=set)
    """Processes the shell user started (it may signal those without root)."""
    _next_pid: int = 4000

    def spawn(self, argv: list[str], by_shell: bool = True) -> int:
        self._next_pid += 1
        self.processes[self._next_pid] = argv
        if by_shell:
            self.shell_pids.add(self._next_pid)
        return self._next_pid

    def shell(self, line: str, as_root: bool | None = None) -> tuple[Output, int]:
        self.commands.append(line)
        root = self.root if as_root is None else as_root
        try:
            argv = shlex.split(line)
        except ValueError as e:
            return f"/system/bin/sh: syntax error: {e}\n", 2
        if not argv:
            return "", 0
        name, args = argv[0], argv[1:]
        if name == "su":
            if not self.su:
                return "/system/bin/sh: su: inaccessible or not found\n", 127
            if self.su_form == "aosp":
                if args[:1] and not args[0].isdigit() and args[0] != "root":
                    return f"su: invalid uid/gid '{args[0]}'\n", 1
                return self.shell(shlex.join(args[1:]) or "sh", as_root=True) if args[1:3] != ["sh", "-c"] \
                    else self.shell(args[3], as_root=True)
            if args[:1] == ["-c"] and len(args) == 2:
                return self.shell(args[1], as_root=True)
            return "su: usage: su -c COMMAND\n", 1
        if name == "id" and args == ["-u"]:
            return ("0\n" if root else "2000\n"), 0
        if name == "getprop":
            if not args:
                return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(self.props.items())), 0
            if args[0] == "ro.debuggable" and args[0] not in self.props:
                return ("1" if self.debuggable else "0") + "\n", 0
            return self.props.get(args[0], "") + "\n", 0
        if name == "setprop":
            if not root and args and args[0].startswith("persist."):
                return f"Failed to set property '{args[0]}' to '{args[1]}'.\n", 1
            self.props[args[0]] = args[1] if len(args) > 1 else ""
            return "", 0
        if name == "pidof":
            pids = [str(p) for p, cmd in self.processes.items() if cmd[0].rsplit("/", 1)[-1] == args[0]]
            return (" ".join(pids) + "\n", 0) if pids else ("", 1)
        if name == "kill":
            pid = int(args[-1])
            if pid not in self.processes:
                return f"/system/bin/sh: kill: {pid}: No such process\n", 1
            if not root and pid not in self.shell_pids:
                return f"/system/bin/sh: kill: {pid}: Operation not permitted\n", 1
            del self.processes[pid]
            return "", 0
        if name == "rm":
            self.files.pop(args[-1], None)
            return "", 0
        if name == "cat":  # toybox cat of files pushed or written on the device
            if not args or args[-1] not in self.files:
                return f"cat: {args[-1] if args else '-'}: No such file or directory\n", 1
            return self.files[args[-1]].data.decode(errors="replace"), 0
        if name == "chmod":
            self.files[args[1]].mode = int(args[0], 8)
            return "", 0
        if name in self.extra:
            return self.extra[name](argv)
        if name in self.files:
            return self._run_file(name, args, root)
        return f"/system/bin/sh: {name}: inaccessible or not found\n", 127

    def _run_file(self, path: str, args: list[str], root: bool) -> tuple[str, int]:
        file = self.files[path]
        if not file.mode & stat.S_IXUSR:
            return f"/system/bin/sh: {path}: can't execute: Permission denied\n", 126
        if args == ["--version"]:  # a program printing the version it carries
            found = re.search(rb"(\d+\.\d+\.\d+)", file.data)
            return (found.group(1).decode() + "\n") if found else "", 0
        if "-D" in args:  # a daemon: it keeps running after the shell returns
            self._next_pid += 1
            self.processes[self._next_pid] = [path, *args]
            return "", 0
        return "", 0


class FakeAdbServer:
    """`with FakeAdbServer(device, …) as adb:` — adb.port is the server's port on 127.0.0.1."""

    def __init__(self, *devices: FakeAndroid) -> None:
        self.devices = {d.serial: d for d in devices}
        self.forwards: list[tuple[str, str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-adb").start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeAdbServer


class _Handler(socketserver.BaseRequestHandler):
    request: socket.socket
    server: _Server

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _request(self) -> str:
        return self._read(int(self._read(4), 16)).decode()

    def _okay(self, payload: str | None = None) -> None:
        self.request.sendall(b"OKAY" + (_block(payload) if payload is not None else b""))

    def _fail(self, message: str) -> None:
        self.request.sendall(b"FAIL" + _block(message))

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):
            self._serve(self._request())

    def _device(self, serial: str) -> FakeAndroid | None:
        fake = self.server.fake
        device = fake.devices.get(serial)
        if device is None:
            self._fail(f"device '{serial}' not found")
            return None
        if device.state == "unauthorized":
            self._fail("device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
                       "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on "
                       "your device.")
            return None
        if device.state == "offline":
            self._fail("device offline")
            return None
        return device

    def _serve(self, request: str) -> None:
        fake = self.server.fake
        if request == "host:version":
            self._okay("0029")
        elif request in ("host:devices", "host:devices-l"):
            long = request.endswith("-l")
            rows = [f"{d.serial}\t{d.state}" + (" product:fake model:Fingertip_Fake device:fake transport_id:1"
                                                  if long else "") for d in fake.devices.values()]
            self._okay("".join(r + "\n" for r in rows))
        elif request.startswith(("host:tport:serial:", "host:transport:")):
            device = self._device(request.rsplit(":", 1)[1])
            if device is not None:
                self.request.sendall(b"OKAY" + (struct.pack("<q", 1) if "tport" in request else b""))
                self._device_service(device, self._request())
        elif request.startswith("host-serial:"):
            _, serial, command = request.split(":", 2)
            device = self._device(serial)
            if device is not None:
                self._host_serial(device, command)
        elif request == "host:list-forward":
            self._okay("".join(f"{s} {lo} {re}\n" for s, lo, re in fake.forwards))
        else:
            self._fail(f"unknown host service '{request}'")

    def _host_serial(self, device: FakeAndroid, command: str) -> None:
        fake = self.server.fake
        if command == "get-state":
            self._okay(device.state)
        elif command == "features":
            self._okay("cmd,stat_v2,ls_v2")  # no shell_v2: adbutils falls back to shell v1
        elif command.startswith(("forward:", "forward:norebind:")):
            local, remote = command.split(":", 1)[1].removeprefix("norebind:").split(";")
            fake.forwards = [f for f in fake.forwards if f[1] != local] + [(device.serial, local, remote)]
            self.request.sendall(b"OKAYOKAY")
        elif command == "list-forward":
            self._okay("".join(f"{s} {lo} {re}\n" for s, lo, re in fake.forwards if s == device.serial))
        elif command.startswith("killforward:"):
            local = command.split(":", 1)[1]
            before = len(fake.forwards)
            fake.forwards = [f for f in fake.forwards if f[1] != local]
            if len(fake.forwards) == before:
                self._fail(f"listener '{local}' not found")
            else:
                self.request.sendall(b"OKAYOKAY")
        else:
            self._fail(f"unknown host-serial service '{command}'")

    def _device_service(self, device: FakeAndroid, service: str) -> None:
        if service.startswith("shell:"):
            line = service[len("shell:"):]
            with_exit = line.endswith(EXIT_MARK)
            output, code = device.shell(line.removesuffix(EXIT_MARK))
            self._okay()
            for chunk in [output] if isinstance(output, str) else output:
                self.request.sendall(chunk.encode())
            self.request.sendall(f"X4EXIT:{code}\n".encode() if with_exit else b"")
        elif service.startswith("reverse:"):
            self._reverse(device, service.removeprefix("reverse:"))
        elif service == "root:":
            self._okay()
            if device.root:
                self.request.sendall(b"adbd is already running as root\n")
            elif not device.debuggable:
                self.request.sendall(b"adbd cannot run as root in production builds\n")
            else:
                device.root = True
                self.request.sendall(b"restarting adbd as root\n")
        elif service == "sync:":
            self._okay()
            self._sync(device)
        else:
            self._fail(f"unknown device service '{service}'")

    def _reverse(self, device: FakeAndroid, command: str) -> None:
        if command.startswith("forward:"):
            remote, local = command.removeprefix("forward:").removeprefix("norebind:").split(";")
            device.reverses[remote] = local
            self.request.sendall(b"OKAYOKAY")
        elif command.startswith("killforward:"):
            remote = command.removeprefix("killforward:")
            if device.reverses.pop(remote, None) is None:
                self._fail(f"listener '{remote}' not found")
            else:
                self.request.sendall(b"OKAYOKAY")
        elif command == "killforward-all":
            device.reverses.clear()
            self.request.sendall(b"OKAYOKAY")
        elif command == "list-forward":
            self.request.sendall(b"OKAY")
            self._okay("".join(f"(reverse) {r} {lo}\n" for r, lo in device.reverses.items()))
        else:
            self._fail(f"unknown reverse service '{command}'")

    def _sync(self, device: FakeAndroid) -> None:
        while True:
            command = self._read(4)
            if command == b"QUIT":
                return
            path = self._read(struct.unpack("<I", self._read(4))[0]).decode()
            if command == b"STAT":
                file = device.files.get(path)
                if file is not None:
                    self.request.sendall(b"STAT" + struct.pack("<III", stat.S_IFREG | file.mode, len(file.data), 1))
                elif path.rstrip("/") in ("/data/local/tmp", "/sdcard", "/sdcard/DCIM"):
                    self.request.sendall(b"STAT" + struct.pack("<III", stat.S_IFDIR | 0o771, 4096, 1))
                else:
                    self.request.sendall(b"STAT" + struct.pack("<III", 0, 0, 0))
            elif command == b"SEND":
                remote, mode = path.rsplit(",", 1)
                data = b""
                while True:
                    kind, size = self._read(4), struct.unpack("<I", self._read(4))[0]
                    if kind == b"DONE":
                        break
                    data += self._read(size)
                device.files[remote] = FakeFile(data, int(mode) & 0o7777)
                self.request.sendall(b"OKAY" + struct.pack("<I", 0))
            elif command == b"RECV":
                file = device.files.get(path)
                if file is None:
                    message = b"No such file or directory"
                    self.request.sendall(b"FAIL" + struct.pack("<I", len(message)) + message)
                    continue
                for start in range(0, len(file.data), 64 * 1024):
                    chunk = file.data[start:start + 64 * 1024]
                    self.request.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                self.request.sendall(b"DONE" + struct.pack("<I", 0))
            else:
                self.request.sendall(b"FAIL" + struct.pack("<I", 7) + b"unknown")
                return


def _block(text: str) -> bytes:
    data = text.encode()
    return f"{len(data):04x}".encode() + data


def fake_elf(machine: int, payload: bytes = b"") -> bytes:
    """The first bytes of an ELF file for `machine` (EM_AARCH64 183, EM_ARM 40, EM_X86_64 62, EM_386 3)."""
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack("<HHI", 3, machine, 1)
    return header + bytes(64 - len(header)) + payload


__all__: list[Any] = ["FakeAdbServer", "FakeAndroid", "fake_elf"]
