"""What a run folder keeps on disk, masked like observations: the raw capture (flows.mitm), the hook and
refusal logs, the device's logs. A reports folder handed to a reviewer then holds no unmasked secret.

Bodies are decoded within the flow's decompression budget; a text body is masked, an image kept (the canary
photo is evidence), and any other body that cannot be read within the budget is withheld, not kept raw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mitmproxy import http, io
from mitmproxy.exceptions import FlowReadException

from harness.evidence.redact import redact
from harness.observe.bounded import Budget, BudgetExceeded, Undecodable, decode_body

TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "multipart/form-data")
WITHHELD_HEADER = "x-fingertip-masked"
JSONL_FILES = ("hook_events.jsonl", "refusals.jsonl", "device_hooks.jsonl", "capture_probes.jsonl")
TEXT_FILES = ("logcat.txt", "hilog.txt", "proxy.log")


def mask_value(value: Any) -> Any:
    """Every string in a JSON value masked (keys kept)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def _mask_headers(headers: http.Headers) -> None:
    for name in list(dict.fromkeys(headers.keys())):
        values = headers.get_all(name)
        headers.set_all(name, [redact(f"{name}: {v}").split(": ", 1)[1] for v in values])


def _mask_body(message: http.Message, budget: Budget) -> None:
    raw = message.raw_content
    if not raw:
        return
    kind = message.headers.get("content-type", "").lower()
    if kind.startswith("image/"):
        return
    try:
        body = decode_body(raw, message.headers.get("content-encoding", ""), budget)
        text = body.decode("utf-8") if any(t in kind for t in TEXT_TYPES) or not kind else None
    except (BudgetExceeded, Undecodable, UnicodeDecodeError):
        text = None
    if text is None:  # not readable within the budget: withheld rather than kept unmasked
        message.headers.pop("content-encoding", None)
        message.headers[WITHHELD_HEADER] = f"body of {len(raw)} bytes withheld (not maskable)"
        message.raw_content = b""
        if "content-length" in message.headers:
            message.headers["content-length"] = "0"
        return
    message.headers.pop("content-encoding", None)
    message.raw_content = redact(text).encode("utf-8")
    if "content-length" in message.headers:
        message.headers["content-length"] = str(len(message.raw_content))


def mask_flow(flow: http.HTTPFlow) -> None:
    budget = Budget()
    # The path (with its query) only: the host is the scenario's, and mitmproxy's url round trip loses an
    # IPv6 literal's brackets.
    flow.request.path = redact(flow.request.path)
    _mask_headers(flow.request.headers)
    _mask_body(flow.request, budget)
    if flow.response is not None:
        _mask_headers(flow.response.headers)
        _mask_body(flow.response, budget)


def mask_flow_file(path: Path) -> list[str]:
    """Rewrite a flow file masked (flows past a damaged point are dropped, and said so)."""
    if not path.exists():
        return []
    problems: list[str] = []
    dropped = 0
    temporary = path.with_name(path.name + ".masking")
    with open(path, "rb") as source, open(temporary, "wb") as target:
        writer = io.FlowWriter(target)
        try:
            for flow in io.FlowReader(source).stream():
                if not isinstance(flow, http.HTTPFlow):
                    continue
                try:
                    mask_flow(flow)
                except Exception:  # a flow that cannot be masked is not kept: never one left unmasked
                    dropped += 1
                    continue
                writer.add(flow)
        except FlowReadException as e:
            problems.append(f"{path.name}: flows after a damaged point were dropped while masking: {e}")
    temporary.replace(path)
    if dropped:
        problems.append(f"{path.name}: {dropped} flows could not be masked and were not kept")
    return problems


def mask_jsonl(path: Path) -> None:
    if not path.exists():
        return
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            lines.append(json.dumps(mask_value(json.loads(line)), ensure_ascii=False))
        except ValueError:
            lines.append(redact(line))
    temporary = path.with_name(path.name + ".masking")
    temporary.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    temporary.replace(path)


def mask_run_folder(folder: Path) -> list[str]:
    """Mask every raw file a run left in its folder (and its IPv6-only pass's); the problems met."""
    problems: list[str] = []
    for run in (folder, folder / "ipv6-only"):
        if not run.is_dir():
            continue
        problems += mask_flow_file(run / "flows.mitm")
        for name in JSONL_FILES:
            mask_jsonl(run / name)
        for name in TEXT_FILES:
            path = run / name
            if path.exists():
                path.write_text(redact(path.read_text(encoding="utf-8", errors="replace")), encoding="utf-8")
    return problems
