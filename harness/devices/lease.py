"""Device leases: one worker (of any sweep on this machine) drives a device at a time."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DeviceLease:
    def __init__(self, lease_dir: Path, device_id: str) -> None:
        self.path = lease_dir / f"{device_id}.lock"
        self._file: IO[str] | None = None

    def __enter__(self) -> DeviceLease:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a+")
        fcntl.flock(self._file, fcntl.LOCK_EX)  # waits while another worker holds it
        self._file.truncate(0)
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
