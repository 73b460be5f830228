"""Turning the recorder's mitmproxy flow file into FlowRecords."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mitmproxy import http, io
from mitmproxy.exceptions import FlowReadException

from harness.capture.addons.common import REFUSED
from harness.capture.addons.submission_guard import SUBMISSION
from harness.evidence.redact import redact
from harness.instrumentation import HOOK_PROBLEM
from harness.observe.bounded import Budget, BudgetExceeded, Undecodable, decode_body
from harness.observe.decode import unwrap
from harness.observe.model import FlowRecord


def _body(flow: http.HTTPFlow, budget: Budget) -> bytes:
    """The request body with its Content-Encoding undone within the flow's budget; the raw bytes when it
    cannot be (a bomb, brotli), so the record still says what was sent."""
    raw = flow.request.raw_content or b""
    try:
        return decode_body(raw, flow.request.headers.get("content-encoding", ""), budget)
    except (BudgetExceeded, Undecodable):
        return raw


def record(flow: http.HTTPFlow, masked: bool = True) -> FlowRecord:
    response = flow.response
    peer = flow.server_conn.peername
    budget = Budget()
    carried = unwrap(flow.request.pretty_url, flow.request.headers.get("content-type", ""), _body(flow, budget),
                     budget)
    keep: Callable[[str], str] = redact if masked else str
    return FlowRecord(
        id=flow.id,
        t=flow.request.timestamp_start,
        method=flow.request.method,
        url=keep(flow.request.pretty_url),
        host=flow.request.pretty_host,
        path=keep(flow.request.path),
        status=response.status_code if response else None,
        error=flow.error.msg if flow.error else None,
        refused=bool(flow.metadata.get(REFUSED)),
        submission=flow.metadata.get(SUBMISSION),
        request_type=flow.request.headers.get("content-type", ""),
        request_size=len(flow.request.raw_content or b""),
        response_size=len(response.raw_content or b"") if response else 0,
        request_text=keep(carried.text),
        image_hashes=carried.images,
        server_ip=str(peer[0]) if peer else None,
    )


def read_flows(path: Path, masked: bool = True) -> tuple[list[FlowRecord], list[str]]:
    """All flows in the file, in request order (personal data masked), and the problems met reading it."""
    if not path.exists():
        return [], []
    records: list[FlowRecord] = []
    problems: list[str] = []
    with open(path, "rb") as f:
        try:
            for flow in io.FlowReader(f).stream():
                if isinstance(flow, http.HTTPFlow):
                    records.append(record(flow, masked))
        except FlowReadException as e:
            problems.append(f"flow file {path.name} is damaged after {len(records)} flows: {e}")
    records.sort(key=lambda r: r.t)
    return records, problems


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    if not path.exists():
        return [], []
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        try:
            items.append(json.loads(line))
        except ValueError:
            problems.append(f"{path.name}:{number} is not JSON (a torn write?)")
    return items, problems


def read_hook_log(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """A device hook log (Frida): its events, and its problems (lost sessions, script errors, torn lines)."""
    records, problems = read_jsonl(path)
    problems += [str(r.get("message", "")) for r in records if r.get("kind") == HOOK_PROBLEM]
    return [r for r in records if r.get("kind") != HOOK_PROBLEM], problems
