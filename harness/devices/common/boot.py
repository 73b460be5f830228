"""Waiting for an emulator the harness started to finish booting (AVD and DevEco alike)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from harness.errors import DeviceError

BOOT_TIMEOUT_S = 300.0


def wait_for_boot(device_id: str, what: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float,
                  booted: Callable[[], bool]) -> None:
    """Poll `booted` until it says yes; an emulator process that exits, or the deadline, is a DeviceError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DeviceError(device_id, f"the emulator for {what} exited (code {process.returncode}); see {log_path}")
        if booted():
            return
        time.sleep(2)
    raise DeviceError(device_id, f"{what} did not finish booting in {timeout:.0f} s")
