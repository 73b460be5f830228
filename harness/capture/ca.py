"""Where a sweep's capture CA lives: outside the reports folder (which is handed to reviewers), in the user's
cache with mode 0700, one per sweep, deleted when the sweep ends. mitmproxy creates the key and certificate
there on its first start."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from harness.errors import HostError

CA_ROOT = Path.home() / ".cache" / "fingertip" / "capture-ca"


def ca_dir(sweep_dir: Path, root: Path | None = None) -> Path:
    """The sweep's CA folder (every worker of the sweep finds the same one), made private if new."""
    base = root or CA_ROOT
    path = ca_folder(sweep_dir, base)
    for folder in (base, path):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            raise HostError(f"{folder} is not a folder of this user: refusing to keep the capture CA key there")
        folder.chmod(0o700)
    return path


def remove_ca(sweep_dir: Path, root: Path | None = None) -> None:
    """Delete the sweep's CA key and certificate (at the sweep's end)."""
    shutil.rmtree(ca_folder(sweep_dir, root or CA_ROOT), ignore_errors=True)


def ca_folder(sweep_dir: Path, base: Path = CA_ROOT) -> Path:
    return base / hashlib.sha256(str(sweep_dir.resolve()).encode()).hexdigest()[:16]
