"""The DevEco HarmonyOS emulator: started headless when it is not running, waited for on hdc, stopped
again — only when the harness started it."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Self

from harness import tools
from harness.config.farm import ServerAddress
from harness.devices.common.boot import BOOT_TIMEOUT_S, wait_for_boot
from harness.devices.harmony.hdc import Hdc, list_targets
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

    def __enter__(self) -> Self:
        if list_targets(self.device_id, self.server).get(self.target) == "Connected":
            return self  # already running: someone else's to stop
        emulator = tools.deveco_emulator()
        if emulator.path is None:
            raise BackendUnavailable(self.device_id, f"the DevEco emulator is not installed: {emulator.install}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen([emulator.path, "-hvd", self.name], stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        hdc = Hdc(self.device_id, self.target, self.server, timeout=15)

        def booted() -> bool:
            try:
                return (list_targets(self.device_id, self.server).get(self.target) == "Connected"
                        and hdc.param("bootevent.boot.completed") == "true")
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
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait(timeout=10)
