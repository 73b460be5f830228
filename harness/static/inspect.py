"""A package file → its facts, by suffix (a registry, so the HarmonyOS reader adds one line)."""

from __future__ import annotations

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
    return reader(path)
