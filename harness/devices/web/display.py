"""A private Xvfb display per web device, so its browser can be screen-recorded."""

from __future__ import annotations

import os
import subprocess
import time

from harness.errors import BackendUnavailable, HostError


class VirtualDisplay:
    def __init__(self, device_id: str, width: int, height: int) -> None:
        self.device_id = device_id
        self.width = width
        self.height = height
        self.name: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> VirtualDisplay:
        read_fd, write_fd = os.pipe()
        try:
            # -displayfd: Xvfb picks a free display number itself and tells us, so parallel workers never clash.
            self._process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError as e:
            raise BackendUnavailable(self.device_id, "Xvfb is not installed (apt-get install xvfb)") from e
        finally:
            os.close(write_fd)
        try:  # an interrupt while Xvfb starts must not leave it running
            with os.fdopen(read_fd) as reader:
                number = reader.readline().strip()
        except BaseException:
            self.__exit__()
            raise
        if not number:
            self.__exit__()
            raise HostError(f"{self.device_id}: Xvfb did not start")
        self.name = f":{number}"
        time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
