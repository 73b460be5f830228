"""A run folder carried back from a worker as one tar, unpacked under the submitting host's sweep folder."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path


def pack(folder: Path) -> bytes:
    """The folder's files (video, observations, screens, pages) as an uncompressed tar: the video is already
    compressed, and the engine frames large bytes itself."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if folder.is_dir():
            tar.add(folder, arcname=".")
    return buffer.getvalue()


def unpack(data: bytes, folder: Path) -> None:
    """Replaces `folder` with the tar's content. The `data` filter refuses absolute paths, `..`, links leaving
    the folder and device files: a worker writes nothing outside the cell's folder here."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.incoming")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(staging, filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    staging.replace(folder)
