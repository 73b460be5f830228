"""Reviewers' decisions on a sweep's cells: append-only JSON lines, one complete decision per line.

A sweep's `decisions.jsonl` holds the decisions made on it; the reports folder's `decisions.jsonl` is the
lab's store (every decision made in that folder, plus imported ones) that later sweeps consult: a decision
is carried to a later sweep's cell when the app build and the check's evidence digest are unchanged.
A later decision on the same cell and article replaces an earlier one; lines are never edited.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.checks.base import ARTICLES, Verdict
from harness.errors import ConfigError

DECISIONS = "decisions.jsonl"
SWEEP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
"""Sweep ids as folder names: a carried decision links to its sweep's folder, so nothing else is allowed."""
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Decided = Literal["pass", "fail"]
Key = tuple[str, str, str]
"""(app, device, article): the cell and article a decision is about."""


class AppBuild(BaseModel):
    """The installed package a decision was made on; None fields are not known for this run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    version: str | None = None
    sha256: str | None = None


class BasedOn(BaseModel):
    """What the reviewer saw: carried only while all of it is the same."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_build: AppBuild | None = None
    evidence_digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    """sha256 of the check's evidence, details and summary as results.json holds them (evidence_digest())."""
    machine_verdict: Verdict


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sweep: str
    app: str
    device: str
    article: str
    check: str
    verdict: Decided
    by: str = Field(min_length=1, max_length=100)
    at: str
    """UTC, ISO 8601 with microseconds (…Z): sorts as it happened."""
    note: str = Field(default="", max_length=4000)
    override: bool = False
    """The machine verdict was not `review`: the reviewer overruled it."""
    based_on: BasedOn

    @field_validator("sweep")
    @classmethod
    def _sweep_id(cls, value: str) -> str:
        if not SWEEP_ID.match(value):
            raise ValueError(f"not a sweep id: {value!r}")
        return value

    @field_validator("article")
    @classmethod
    def _article(cls, value: str) -> str:
        if value not in ARTICLES:
            raise ValueError(f"unknown article {value!r} (known: {', '.join(ARTICLES)})")
        return value

    @field_validator("by")
    @classmethod
    def _by(cls, value: str) -> str:
        if not value.strip() or CONTROL.search(value):
            raise ValueError("the reviewer's name is empty or has control characters")
        return value.strip()

    @field_validator("at")
    @classmethod
    def _utc(cls, value: str) -> str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as e:
            raise ValueError(f"not an ISO 8601 time: {value!r}") from e
        if parsed.utcoffset() is None or parsed.utcoffset().total_seconds() != 0:  # type: ignore[union-attr]
            raise ValueError(f"not UTC: {value!r}")
        return value

    @property
    def key(self) -> Key:
        return (self.app, self.device, self.article)

    @property
    def identity(self) -> tuple[str, ...]:
        """The same decision read from two files (the sweep's and the store) is one decision."""
        return (self.sweep, self.app, self.device, self.article, self.at, self.by)

    def facts(self, carried_from: str | None = None) -> dict[str, Any]:
        """results.json's `decision` object."""
        return {"by": self.by, "at": self.at, "verdict": self.verdict, "note": self.note,
                "override": self.override, "carried_from": carried_from}


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


RUN_SPECIFIC_DETAILS = ("canary_text",)
"""Details that differ on every run by design (the canary complaint text is new each run)."""


def evidence_digest(record: dict[str, Any]) -> str:
    """sha256 of what the reviewer judged: the check's evidence, details and summary, canonical JSON.
    What only names this run is left out, so a re-run showing the same is the same: evidence times (`t`,
    seconds into this run's video), flow ids (new UUIDs each run) and the run's canary text."""
    details = dict(record.get("details") or {})
    canaries = [str(details.pop(key)) for key in RUN_SPECIFIC_DETAILS if details.get(key)]
    evidence = [{k: v for k, v in item.items() if k != "t" and not (k == "ref" and item.get("kind") == "flow")}
                for item in record.get("evidence", [])]
    seen = {"evidence": evidence, "details": details, "summary": record.get("summary", "")}
    text = json.dumps(seen, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for canary in canaries:
        text = text.replace(canary, "<canary>")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def app_build(record: dict[str, Any]) -> AppBuild | None:
    """The package the run installed, when the run recorded it (run.package)."""
    package = (record.get("run") or {}).get("package")
    if not isinstance(package, dict):
        return None
    return AppBuild(name=package.get("name"), version=package.get("version"), sha256=package.get("sha256"))


def based_on(record: dict[str, Any]) -> BasedOn:
    return BasedOn(app_build=app_build(record), evidence_digest=evidence_digest(record),
                   machine_verdict=record["verdict"])


def final_verdict(record: dict[str, Any]) -> str:
    """The decision's verdict, else the machine's (records written before decisions existed have no field)."""
    return str(record.get("final_verdict") or record["verdict"])


def decided_by(record: dict[str, Any]) -> str:
    """Who decided, for a line of a report: 人工裁定 by NAME (carried, overruling), or ''."""
    decision = record.get("decision")
    if not decision:
        return ""
    how = "推翻机器结论" if decision.get("override") else "人工裁定"
    carried = f"，沿用扫描 {decision['carried_from']}" if decision.get("carried_from") else ""
    return f"{how}：{decision['by']}（{decision['at']}{carried}）"


# ── the file ─────────────────────────────────────────────────────────────────────────────────────────────
@dataclass
class Read:
    decisions: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Lines ignored, each naming file and line: a torn last line (its writer was killed), or not a decision."""


def read_decisions(path: Path) -> Read:
    """Every complete, valid decision of `path`, in the order written. Only lines ended by a newline are read:
    a writer killed mid-line leaves a last line without one, and that line is never parsed."""
    read = Read()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return read
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or what a stopped writer left
    if tail:
        read.problems.append(f"{path}:{len(lines) + 1}: incomplete last line ({len(tail)} bytes, its writer "
                             f"was stopped mid-line): ignored")
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            read.decisions.append(Decision.model_validate_json(raw))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            read.problems.append(f"{path}:{number}: not a decision ({where}: {first['msg']}): ignored")
    return read


def append_decision(path: Path, decision: Decision) -> None:
    """One write(2) of one complete line with O_APPEND, then fsync: a reader sees the whole line or none of it.
    A torn last line left by a killed writer is closed first (in the same write), so it stays one bad line
    instead of swallowing this one."""
    line = (decision.model_dump_json() + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"{path}: short write ({written} of {len(line)} bytes)")
        os.fsync(fd)
    finally:
        os.close(fd)


# ── which decision applies ───────────────────────────────────────────────────────────────────────────────
def _union(sources: list[Path]) -> Read:
    """The decisions of several files, each once (a decision written to two of them is one decision)."""
    seen: set[tuple[str, ...]] = set()
    union = Read()
    for source in sources:
        read = read_decisions(source)
        union.problems += read.problems
        for decision in read.decisions:
            if decision.identity not in seen:
                seen.add(decision.identity)
                union.decisions.append(decision)
    return union


def known_decisions(sweep_dir: Path) -> Read:
    """Every decision this sweep can see: its own file, the reports folder's store and the other sweeps'
    files there."""
    return _union([sweep_dir / DECISIONS, *lab_sources(sweep_dir.parent)])


def lab_sources(reports: Path) -> list[Path]:
    """The reports folder's store, then each sweep's own file (a sweep copied in from elsewhere counts)."""
    sweeps = sorted(p / DECISIONS for p in reports.iterdir() if p.is_dir() and not p.is_symlink()) \
        if reports.is_dir() else []
    return [reports / DECISIONS, *sweeps]


def export_decisions(reports: Path) -> Read:
    """Every decision the reports folder holds, oldest first: what `fingertip decisions export` writes."""
    union = _union(lab_sources(reports))
    union.decisions.sort(key=lambda d: d.at)
    return union


def import_decisions(reports: Path, path: Path) -> tuple[int, int]:
    """Append `path`'s decisions the store does not hold yet; (added, already there). A file with any line
    that is not a complete decision is refused whole (a ConfigError naming file and line)."""
    if not path.is_file():
        raise ConfigError(path, None, "no such file")
    read = read_decisions(path)
    if read.problems:
        first = read.problems[0].removeprefix(f"{path}:")
        line, _, message = first.partition(": ")
        raise ConfigError(path, int(line) if line.isdigit() else None, message + " (nothing imported)")
    held = {d.identity for d in _union(lab_sources(reports)).decisions}
    added = 0
    for decision in read.decisions:
        if decision.identity not in held:
            append_decision(reports / DECISIONS, decision)
            held.add(decision.identity)
            added += 1
    return added, len(read.decisions) - added


def latest(decisions: list[Decision]) -> dict[tuple[str, Key], Decision]:
    """Per sweep and cell+article, the decision that replaced the others (latest `at`; equal times: the one
    read last)."""
    chosen: dict[tuple[str, Key], Decision] = {}
    for decision in decisions:
        slot = (decision.sweep, decision.key)
        if slot not in chosen or decision.at >= chosen[slot].at:
            chosen[slot] = decision
    return chosen


def apply_decisions(records: list[dict[str, Any]], sweep_dir: Path) -> list[str]:
    """Each record gains `decision` (or None) and `final_verdict`. A decision made on this sweep applies while
    the record is what it was made on; an earlier sweep's is carried when the app build, the machine verdict
    and the evidence digest are all the same. Returns the problems met (ignored lines, stale decisions)."""
    known = known_decisions(sweep_dir)
    problems = list(known.problems)
    sweep_id = sweep_dir.name
    own: dict[Key, Decision] = {}
    carried: dict[Key, list[Decision]] = {}
    for (sweep, about), made in latest(known.decisions).items():
        if sweep == sweep_id:
            own[about] = made
        elif sweep < sweep_id:  # sweep ids start with their date and time: only earlier sweeps are carried
            carried.setdefault(about, []).append(made)
    for record in records:
        key: Key = (record["app"], record["device"], record["article"])
        basis = based_on(record)
        decision: Decision | None = own.get(key)
        carried_from: str | None = None
        if decision is not None and decision.based_on != basis:
            problems.append(f"{sweep_id} {key[0]}@{key[1]} {key[2]}: the decision by {decision.by} "
                            f"({decision.at}) was made on other evidence: not applied")
            decision = None
        if decision is None:
            matching = [d for d in carried.get(key, []) if d.based_on == basis]
            if matching:
                decision = max(matching, key=lambda d: d.at)
                carried_from = decision.sweep
        record["decision"] = decision.facts(carried_from) if decision else None
        record["final_verdict"] = decision.verdict if decision else record["verdict"]
    return problems


# ── deciding ─────────────────────────────────────────────────────────────────────────────────────────────
def new_decision(sweep_dir: Path, records: list[dict[str, Any]], app: str, device: str, article: str,
                 verdict: str, by: str, note: str, override: bool, at: str | None = None) -> Decision:
    """The decision on one cell's article of a sweep, checked against the sweep's machine records; a
    ConfigError naming what is wrong otherwise."""

    def refuse(message: str) -> ConfigError:
        return ConfigError(sweep_dir, None, message)

    if article not in ARTICLES:
        raise refuse(f"unknown article {article!r} (known: {', '.join(ARTICLES)})")
    apps = sorted({r["app"] for r in records})
    if app not in apps:
        raise refuse(f"unknown app {app!r} in this sweep (apps: {', '.join(apps) or 'none'})")
    devices = sorted({r["device"] for r in records if r["app"] == app})
    if device not in devices:
        raise refuse(f"unknown device {device!r} for app {app!r} (devices: {', '.join(devices)})")
    cell = [r for r in records if r["app"] == app and r["device"] == device and r["article"] == article]
    if not cell:
        judged = sorted({r["article"] for r in records if r["app"] == app and r["device"] == device})
        raise refuse(f"article {article!r} was not judged for {app}@{device} (judged: {', '.join(judged)})")
    if verdict not in ("pass", "fail"):
        raise refuse(f"--verdict must be pass or fail, not {verdict!r}")
    if not by or not by.strip():
        raise refuse("--by: the reviewer's name is required")
    record = cell[0]
    if record["verdict"] != "review" and not override:
        raise refuse(f"{app}@{device} article {article} is {record['verdict']!r}, not 'review': "
                     f"pass --override to overrule the machine verdict")
    try:
        return Decision(sweep=sweep_dir.name, app=app, device=device, article=article, check=record["check"],
                        verdict=verdict, by=by, at=at or utc_now(), note=note,  # type: ignore[arg-type]
                        override=record["verdict"] != "review", based_on=based_on(record))
    except ValidationError as e:
        first = e.errors()[0]
        raise refuse(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from e
