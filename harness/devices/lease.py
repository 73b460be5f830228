"""Device leases: one worker (of any sweep on this machine) drives a device at a time."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DeviceBusy(Exception):
    """Another worker holds the device (asked for without waiting)."""


class DeviceLease:
    def __init__(self, lease_dir: Path, device_id: str, wait: bool = True) -> None:
        self.path = lease_dir / f"{device_id}.lock"
        self.wait = wait
        self._file: IO[str] | None = None

    def __enter__(self) -> DeviceLease:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+")
        try:  # waits while another worker holds it, unless asked not to
            fcntl.flock(self._file, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self._file.close()
            self._file = None
            raise DeviceBusy(self.path.stem) from None
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
