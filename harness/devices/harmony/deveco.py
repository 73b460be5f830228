"""The DevEco HarmonyOS emulator: started headless (`-noWindow`) when it is not running, connected on hdc
(`hdc tconn` to its port), waited for, and stopped again (`Emulator -stop NAME`) — only when the harness
started it."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Self

from harness import tools
from harness.config.farm import ServerAddress
from harness.devices.common.boot import BOOT_TIMEOUT_S, wait_for_boot
from harness.devices.harmony.hdc import Hdc, list_targets, tconn
from harness.errors import BackendUnavailable, DeviceError


class DevEcoEmulator:
    """A DevEco HarmonyOS emulator by instance name (`Emulator -hvd NAME`), waited for on hdc
    (`bootevent.boot.completed`) and stopped again — only when the harness started it."""

    def __init__(self, device_id: str, name: str, target: str, server: ServerAddress | None, log_path: Path,
                 boot_timeout: float = BOOT_TIMEOUT_S) -> None:
        self.device_id = device_id
        self.name = name
        self.target = target
        self.server = server
        self.log_path = log_path
        self.boot_timeout = boot_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._emulator = ""

    def __enter__(self) -> Self:
        if list_targets(self.device_id, self.server).get(self.target) == "Connected":
            return self  # already running: someone else's to stop
        emulator = tools.deveco_emulator()
        if emulator.path is None:
            raise BackendUnavailable(self.device_id, f"the DevEco emulator is not installed: {emulator.install}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # -noWindow: no display on a Linux farm host (the emulator would fail to open its window)
            self._process = subprocess.Popen([emulator.path, "-hvd", self.name, "-noWindow"], stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        self._emulator = emulator.path
        hdc = Hdc(self.device_id, self.target, self.server, timeout=15)

        def booted() -> bool:
            try:
                if list_targets(self.device_id, self.server).get(self.target) != "Connected":
                    # an emulator started from the command line is not discovered by hdc: connect to its port
                    tconn(self.device_id, self.target, self.server)
                    return False
                return hdc.param("bootevent.boot.completed") == "true"
            except DeviceError:  # not listed yet, or hdc not answering while it boots
                return False

        try:
            wait_for_boot(self.device_id, f"the DevEco emulator {self.name!r}", self._process, self.log_path,
                          self.boot_timeout, booted)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # the emulator's own stop closes the instance cleanly (its disk, its hdc port); signals only if it does not
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run([self._emulator, "-stop", self.name], capture_output=True, timeout=60)
        try:
            process.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait(timeout=10)
