"""A crash, ANR or freeze of the app as a device backend found it in its logs (logcat, dropbox, faultlogger),
and the run's `crashes.jsonl` that holds them. Platform-neutral: every shell-driven backend writes it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

CRASHES_FILE = "crashes.jsonl"
"""In a run's folder: the app's crashes and ANRs a device backend found in its logs, one JSON object a line."""

CrashKind = Literal["crash", "native-crash", "anr"]


class Crash(BaseModel):
    """One line of crashes.jsonl (and one entry of `Observations.crashes`)."""

    model_config = ConfigDict(frozen=True)

    kind: CrashKind
    process: str
    pid: int | None = None
    t: float | None = None
    """Epoch seconds (device time until written; the run clock in crashes.jsonl)."""
    summary: str = ""
    source: str = ""
    """logcat · dropbox:<tag> · faultlog:<kind>"""
    detail: str = ""


def write_crashes(path: Path, crashes: list[Crash], offset: float) -> None:
    """crashes.jsonl of a run: each crash once (two logs report the same one), in the order given, its device
    time moved onto the run clock by `offset`."""
    seen: set[tuple[str, int | None]] = set()
    with open(path, "w", encoding="utf-8") as sink:
        for crash in crashes:
            if (crash.kind, crash.pid) in seen:
                continue
            seen.add((crash.kind, crash.pid))
            moved = crash.model_copy(update={"t": crash.t + offset if crash.t is not None else None})
            sink.write(moved.model_dump_json() + "\n")


def read_crashes(path: Path) -> tuple[list[Crash], list[str]]:
    """crashes.jsonl read back, and a problem for each line that is not a crash record (a torn write)."""
    if not path.exists():
        return [], []
    crashes: list[Crash] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        try:
            crashes.append(Crash.model_validate_json(line))
        except ValueError:
            problems.append(f"{path.name}:{number} is not a crash record (a torn write?)")
    return crashes, problems


def utc_offset(date_z: str) -> int:
    """`date +%z` (`+0800`) → seconds east of UTC (Android and HarmonyOS shells both have it)."""
    found = re.match(r"([+-])(\d\d)(\d\d)", date_z.strip())
    if not found:
        return 0
    seconds = int(found[2]) * 3600 + int(found[3]) * 60
    return -seconds if found[1] == "-" else seconds
