"""A package file → its facts, by suffix (a registry, so the HarmonyOS reader adds one line)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from harness.static.apk import read_apk
from harness.static.facts import PackageError, PackageFacts
from harness.static.hap import read_hap

READERS: dict[str, Callable[[Path], PackageFacts]] = {".apk": read_apk, ".hap": read_hap, ".app": read_hap}


def read_package(path: Path) -> PackageFacts:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise PackageError(path, f"unknown package type {path.suffix!r} (known: {', '.join(READERS)})")
    if not path.is_file():
        return reader(path)  # the reader names what is missing
    return _read(reader, path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read(reader: Callable[[Path], PackageFacts], path: Path, mtime_ns: int) -> PackageFacts:
    """Each package file is read once per version of it (every device of a sweep asks). The package is the app's:
    whatever else reading it raises is the package's fault too (a PackageError), never a traceback."""
    try:
        return reader(path)
    except PackageError:
        raise
    except Exception as e:
        raise PackageError(path, f"无法读取安装包（{type(e).__name__}: {e}）"[:500], "PACKAGE_CORRUPT") from e
