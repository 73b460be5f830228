"""Android Virtual Devices: the emulator console (geo fix, kill) and an AVD's lifecycle, started headless with a
clean state and stopped again, only when the harness started it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from pathlib import Path
from typing import Any, Self

from harness import tools
from harness.devices.common.boot import BOOT_TIMEOUT_S, wait_for_boot
from harness.errors import BackendUnavailable, DeviceError

CONSOLE_TOKEN = Path.home() / ".emulator_console_auth_token"


def console_port(serial: str) -> int | None:
    """`emulator-5554` → 5554: the emulator's console listens there on the host running it."""
    name, _, port = serial.partition("-")
    return int(port) if name == "emulator" and port.isdigit() else None


class EmulatorConsole:
    """The emulator's telnet console (what `adb emu` talks to): auth, then one command per line."""

    def __init__(self, port: int, host: str = "127.0.0.1", token_file: Path = CONSOLE_TOKEN,
                 timeout: float = 10.0) -> None:
        self.address = (host, port)
        self.token_file = token_file
        self.timeout = timeout

    def command(self, line: str) -> str:
        with socket.create_connection(self.address, timeout=self.timeout) as sock:
            reader = sock.makefile("rb")
            banner = self._until_ok(reader)
            if "Authentication required" in banner:
                token = self.token_file.read_text().strip() if self.token_file.is_file() else ""
                if not token:
                    raise DeviceError(f"emulator-{self.address[1]}",
                                      f"the emulator console asks for the token in {self.token_file}, which is missing")
                sock.sendall(f"auth {token}\r\n".encode())
                self._until_ok(reader)
            sock.sendall(f"{line}\r\n".encode())
            return self._until_ok(reader)

    def _until_ok(self, reader: Any) -> str:
        lines: list[str] = []
        while True:
            raw = reader.readline()
            if not raw:
                raise DeviceError(f"emulator-{self.address[1]}", "the emulator console closed: " + " | ".join(lines))
            line = raw.decode(errors="replace").rstrip("\r\n")
            if line == "OK":
                return "\n".join(lines)
            if line.startswith("KO"):
                raise DeviceError(f"emulator-{self.address[1]}", f"emulator console: {line}")
            lines.append(line)

    def geo_fix(self, latitude: float, longitude: float) -> None:
        """The emulator's GPS reports this position (the console takes longitude first)."""
        self.command(f"geo fix {longitude:.7f} {latitude:.7f}")

    def kill(self) -> None:
        with contextlib.suppress(DeviceError, OSError):
            self.command("kill")


def emulator_command(avd: str, port: int, wipe: bool, emulator: str) -> list[str]:
    command = [emulator, "-avd", avd, "-port", str(port), "-no-window", "-no-audio", "-no-boot-anim",
               "-no-snapshot-save", "-gpu", "swiftshader_indirect"]
    # A clean state: wipe the user data, or boot the AVD's saved snapshot without saving over it.
    command += ["-wipe-data", "-no-snapshot-load"] if wipe else []
    return command


def free_console_port() -> int:
    """An even port in the emulator's range (5554–5682) whose console and adb ports are both free."""
    for port in range(5554, 5684, 2):
        if all(_port_free(p) for p in (port, port + 1)):
            return port
    raise DeviceError("avd", "no free emulator port between 5554 and 5682")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class AvdEmulator:
    """`with AvdEmulator(spec_id, avd, adb_client, log) as emulator:` emulator.serial is booted."""

    def __init__(self, device_id: str, avd: str, adb_client: Any, log_path: Path, wipe: bool = True,
                 boot_timeout: float = BOOT_TIMEOUT_S) -> None:
        self.device_id = device_id
        self.avd = avd
        self.adb = adb_client
        self.log_path = log_path
        self.wipe = wipe
        self.boot_timeout = boot_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def serial(self) -> str:
        return f"emulator-{self.port}"

    def __enter__(self) -> Self:
        emulator = tools.android_emulator()
        if emulator.path is None:
            raise BackendUnavailable(self.device_id, f"the Android emulator is not installed: {emulator.install}")
        self.port = free_console_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(emulator_command(self.avd, self.port, self.wipe, emulator.path),
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                             env={**os.environ})
        try:
            self.wait_booted()
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_booted(self) -> None:
        """Boot is done when sys.boot_completed is 1; images that never set it count as booted once the
        package manager answers and the boot animation has stopped."""
        assert self._process is not None
        wait_for_boot(self.device_id, f"AVD {self.avd!r}", self._process, self.log_path, self.boot_timeout,
                      lambda: boot_completed(self.adb, self.serial))

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        EmulatorConsole(self.port).kill()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def boot_completed(adb_client: Any, serial: str) -> bool:
    try:
        device = adb_client.device(serial)
        if device.get_state() != "device":
            return False
        if device.shell("getprop sys.boot_completed").strip() == "1":
            return True
        animation = device.shell("getprop init.svc.bootanim").strip()
        packages = device.shell2("pm path android")
        return animation == "stopped" and packages.returncode == 0 and "package:" in packages.output
    except Exception:  # not listed yet, offline while booting: keep waiting
        return False
