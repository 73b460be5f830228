"""The Frida agent in an app's processes: spawned so startup calls are caught, or attached.

Events stream from the agent in batches and are written to a JSON-lines file as they arrive (memory
stays bounded however long the run); device time is mapped onto the host's run clock; each event
names its SDK. A lost session, a script error or events the agent had to hold back are reported as
problems, never dropped silently.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import frida

from harness.capture.addons.common import JsonLines
from harness.config.farm import HOOK_FAMILIES
from harness.errors import FingertipError
from harness.instrumentation import HOOK_PROBLEM
from harness.instrumentation.agent_build import compiled_agent
from harness.instrumentation.sdk import attribute

FAMILIES = HOOK_FAMILIES
GATE_DEADLINE_S = 6.0
"""A gated spawn is resumed by this time even if loading the agent has not finished: Android gives up on an
app process that does not come up in time (issue 15 puts Frida's own limit at 8 s), and a killed process would
be a launch failure the app did not cause."""


FRIDA_ERRORS = (frida.ExecutableNotFoundError, frida.ExecutableNotSupportedError, frida.InvalidArgumentError,
                frida.InvalidOperationError, frida.NotSupportedError, frida.PermissionDeniedError,
                frida.ProcessNotFoundError, frida.ProcessNotRespondingError, frida.ServerNotRunningError,
                frida.TimedOutError, frida.TransportError, frida.ProtocolError)
"""frida's errors share no base class of their own."""


class InstrumentationError(FingertipError):
    """Frida could not spawn, attach to or instrument a process."""


@dataclass
class _Process:
    pid: int
    session: Any
    script: Any
    offset: float = 0.0
    """Host epoch seconds minus the agent's clock: adds to device time to put it on the run clock."""
    label: str = ""


@dataclass
class AgentSession:
    """The agent loaded into one app's processes on one frida device (local, USB or remote)."""

    device: Any
    """frida.core.Device"""
    events_path: Path
    families: Sequence[str] = FAMILIES
    ca_pem: str | None = None
    problems: list[str] = field(default_factory=list)
    installed: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)
    held_back: Counter[str] = field(default_factory=Counter)
    _processes: dict[int, _Process] = field(default_factory=dict)
    _log: JsonLines = field(default_factory=JsonLines)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _handlers: list[tuple[str, Callable[..., None]]] = field(default_factory=list)
    _source: str = ""
    gate_pauses: dict[str, float] = field(default_factory=dict)
    """Seconds each gated process (by identifier) was held before it was resumed: not the app's launch time."""

    def __post_init__(self) -> None:
        unknown = set(self.families) - set(FAMILIES)
        if unknown:
            raise InstrumentationError(f"unknown hook families {sorted(unknown)} (known: {', '.join(FAMILIES)})")
        self._source = compiled_agent()
        self._log.open(str(self.events_path))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ── starting ─────────────────────────────────────────────────────────────────────────────

    def spawn(self, program: str | list[str], label: str = "", **options: Any) -> int:
        """Start `program` (an app identifier on a phone, an argv on a host) suspended, load the agent,
        then let it run: hooks are in place before its first instruction."""
        try:
            pid = int(self.device.spawn(program, **options))
        except FRIDA_ERRORS as e:
            raise InstrumentationError(f"cannot spawn {program!r} on {self.device.name}: {e}") from e
        try:
            self._instrument(pid, label or str(program))
        finally:
            self.device.resume(pid)
        return pid

    def attach(self, pid: int, label: str = "") -> None:
        """Load the agent into a running process (a JVM must be attached to after libjvm has loaded)."""
        self._instrument(pid, label or str(pid))

    def gate_children(self, pid: int) -> None:
        """Instrument every child `pid` forks or execs before it runs (host programs, app helpers)."""
        self._processes[pid].session.enable_child_gating()
        self._on("child-added", lambda child: self._later(self._gated, child.pid, f"child of {pid}"))

    def gate_spawns(self, wanted: Callable[[str], bool]) -> None:
        """Instrument, before they run, the new processes whose identifier `wanted` accepts (an app's
        `:remote` / `:push` processes started by zygote); any other spawn is resumed untouched."""
        self._on("spawn-added", lambda spawn: self._later(
            self._gated if wanted(spawn.identifier or "") else self._resume, spawn.pid, spawn.identifier or ""))
        self.device.enable_spawn_gating()

    # ── stopping ─────────────────────────────────────────────────────────────────────────────

    def close(self) -> None:
        """Collect what the agent still holds, detach, and report what was lost."""
        for signal, handler in self._handlers:
            self.device.off(signal, handler)
        if any(s == "spawn-added" for s, _ in self._handlers):
            with contextlib.suppress(frida.InvalidOperationError):
                self.device.disable_spawn_gating()
        self._handlers.clear()
        for process in list(self._processes.values()):
            # A process already gone had its detach reported.
            with contextlib.suppress(frida.InvalidOperationError, frida.TransportError):
                self._note_held_back(process.script.exports_sync.flush())
            with contextlib.suppress(frida.InvalidOperationError, frida.TransportError):
                process.session.detach()
        self._processes.clear()
        for api, count in sorted(self.held_back.items()):
            if api == "(queue full)":
                self._problem(f"{count} hook events were lost: the agent's queue was full")
            else:
                self._log.write({"kind": "hook-stats", "api": api, "detail": {"not_reported": count}, "t": time.time()})
        self.held_back.clear()
        self._log.close()

    # ── inside ───────────────────────────────────────────────────────────────────────────────

    def _on(self, signal: str, handler: Callable[..., None]) -> None:
        self.device.on(signal, handler)
        self._handlers.append((signal, handler))

    @staticmethod
    def _later(work: Callable[[int, str], None], pid: int, label: str) -> None:
        # Frida's callbacks run on its own thread, which must not block on attach: hand over.
        threading.Thread(target=work, args=(pid, label), daemon=True, name=f"frida-gate-{pid}").start()

    def _gated(self, pid: int, label: str) -> None:
        held = time.monotonic()
        worker = threading.Thread(target=self._instrument_noting, args=(pid, label), daemon=True,
                                  name=f"frida-load-{pid}")
        worker.start()
        worker.join(GATE_DEADLINE_S)
        if worker.is_alive():
            self._problem(f"{label} (pid {pid}): the agent was not loaded within {GATE_DEADLINE_S:.0f} s; the "
                          "process was resumed so it is not killed (early calls may be missed)")
        self._resume(pid, label)
        with self._lock:
            self.gate_pauses[label] = self.gate_pauses.get(label, 0.0) + time.monotonic() - held

    def _instrument_noting(self, pid: int, label: str) -> None:
        try:
            self._instrument(pid, label)
        except InstrumentationError as e:
            self._problem(str(e))

    def _resume(self, pid: int, _label: str) -> None:
        with contextlib.suppress(frida.InvalidOperationError, frida.InvalidArgumentError, frida.ProcessNotFoundError):
            self.device.resume(pid)

    def _instrument(self, pid: int, label: str) -> None:
        try:
            session = self.device.attach(pid)
            script = session.create_script(self._source, name="fingertip")
        except FRIDA_ERRORS as e:
            raise InstrumentationError(f"cannot attach to {label} (pid {pid}): {e}") from e
        process = _Process(pid, session, script, label=label)
        session.on("detached", lambda reason, crash: self._detached(process, reason, crash))
        script.on("message", lambda message, data: self._message(process, message))
        try:
            script.load()
            process.offset = self._clock_offset(script)
            report = script.exports_sync.init({"families": list(self.families), "ca_pem": self.ca_pem or ""})
        except (frida.core.RPCException, *FRIDA_ERRORS) as e:  # the agent's own init threw, or the process went
            with contextlib.suppress(*FRIDA_ERRORS):
                session.detach()
            raise InstrumentationError(f"the agent did not start in {label} (pid {pid}): {e}") from e
        with self._lock:
            self._processes[pid] = process
            self.installed.update(report.get("installed", []))

    @staticmethod
    def _clock_offset(script: Any) -> float:
        before = time.time()
        device_ms = float(script.exports_sync.now())
        after = time.time()
        return (before + after) / 2 - device_ms / 1000

    def _message(self, process: _Process, message: dict[str, Any]) -> None:
        if message.get("type") == "error":
            self._problem(f"agent script error in {process.label}: {message.get('description', '')}",
                          {"stack": str(message.get("stack", ""))[:2000]})
            return
        payload = message.get("payload") or {}
        kind = payload.get("type")
        if kind == "events":
            for event in payload.get("events", []):
                self._event(process, event)
            self._note_held_back(payload)
        elif kind == "problem":
            self._problem(f"{process.label}: {payload.get('message', '')}", payload.get("detail") or {})
        elif kind == "installed":
            with self._lock:
                self.installed.update(payload.get("installed", []))

    def _event(self, process: _Process, event: dict[str, Any]) -> None:
        stack = [str(s) for s in event.get("stack", [])]
        api = str(event.get("api", ""))
        sdk, caller = attribute(stack, api)
        kind = str(event.get("kind", ""))
        self.counts[kind] += 1
        self._log.write({"source": "frida", "pid": process.pid, "kind": kind, "api": api,
                         "detail": event.get("detail", {}),
                         "t": round(float(event.get("t", 0)) / 1000 + process.offset, 3),
                         "thread": event.get("thread", ""), "stack": stack, "sdk": sdk, "caller": caller})

    def _note_held_back(self, report: dict[str, Any]) -> None:
        for api, count in (report.get("suppressed") or {}).items():
            self.held_back[api] += int(count)
        if report.get("overflow"):
            self.held_back["(queue full)"] += int(report["overflow"])

    def _detached(self, process: _Process, reason: str, crash: Any) -> None:
        with self._lock:
            self._processes.pop(process.pid, None)
        if reason == "application-requested":
            return
        self._problem(f"Frida session with {process.label} (pid {process.pid}) lost: {reason}")
        if crash is not None:
            self._log.write({"source": "frida", "pid": process.pid, "kind": "crash", "api": "process",
                         "detail": {"summary": crash.summary, "report": str(crash.report)[:4000]}, "t": time.time()})

    def _problem(self, message: str, detail: dict[str, Any] | None = None) -> None:
        with self._lock:
            self.problems.append(message)
        self._log.write({"source": "frida", "kind": HOOK_PROBLEM, "message": message, "detail": detail or {},
                         "t": time.time()})
