"""What a request carries, unwrapped: searchable text and the images inside it.

Apps hide uploads in gzip, multipart parts, base64 (data URLs, JSON strings) and URL encoding;
checks search the result, so the unwrapping happens once, when the run's flows are read.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

import re2

from harness.evidence.images import dhash
from harness.observe.bounded import Budget, BudgetExceeded, gunzip_within

TEXT_LIMIT = 256 * 1024
BASE64_TOKEN = re2.compile(rb"(?:[\"'=]|base64,)([A-Za-z0-9+/_-]{24,}={0,2})")
"""Base64 where apps put it: JSON strings, form and query values, data URLs. RE2 (a DFA) scans
bodies several times faster than Python's backtracking engine does for this pattern."""
BASE64_BODY = re.compile(rb"[A-Za-z0-9+/_-]{24,}={0,2}")
MULTIPART_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


@dataclass
class Unwrapped:
    texts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    """dHashes of every picture found."""
    truncated: bool = False
    """The flow's decompression budget ran out: what follows was not unwrapped."""

    @property
    def text(self) -> str:
        return "\n".join(self.texts)[:TEXT_LIMIT]


def _gunzip(data: bytes, budget: Budget) -> bytes:
    inflated = gunzip_within(data, budget) if data[:2] == b"\x1f\x8b" else None
    return data if inflated is None else inflated


def multipart_parts(data: bytes, content_type: str) -> list[tuple[bytes, bytes]] | None:
    """(part headers, part body) pairs, or None when the body is not multipart."""
    match = MULTIPART_BOUNDARY.search(content_type)
    if not match or "multipart/" not in content_type.lower():
        return None
    parts = []
    for chunk in data.split(b"--" + match.group(1).encode())[1:]:
        head, _, body = chunk.partition(b"\r\n\r\n")
        if body:
            parts.append((head.strip(), body.removesuffix(b"\r\n")))
    return parts


def _add(out: Unwrapped, data: bytes, depth: int, budget: Budget) -> None:
    data = _gunzip(data, budget)
    picture = dhash(data)
    if picture:
        out.images.append(picture)
        return
    text = data.decode("utf-8", errors="replace")
    out.texts.append(unquote_plus(text) if "%" in text else text)
    if depth >= 2:
        return
    whole = data.strip()
    tokens = [whole] if BASE64_BODY.fullmatch(whole[:TEXT_LIMIT]) else BASE64_TOKEN.findall(data[:TEXT_LIMIT])
    for token in tokens:
        try:
            decoded = base64.b64decode(token + b"=" * (-len(token) % 4), altchars=b"-_" if b"-" in token else None)
        except (binascii.Error, ValueError):
            continue
        budget.take(len(decoded))
        decoded = _gunzip(decoded, budget)
        picture = dhash(decoded)
        if picture:
            out.images.append(picture)
        elif decoded.isascii() or _mostly_text(decoded):
            _add(out, decoded, depth + 1, budget)


def _mostly_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def unwrap(url: str, content_type: str, body: bytes, budget: Budget | None = None) -> Unwrapped:
    """What the request carries; `budget`: the flow's decompression budget (one for every layer and part)."""
    budget = budget or Budget()
    out = Unwrapped(texts=[unquote_plus(url)])
    try:
        parts = multipart_parts(body, content_type)
        if parts is None:
            if body:
                _add(out, body, 0, budget)
            return out
        for head, content in parts:
            out.texts.append(head.decode("utf-8", errors="replace"))
            _add(out, content, 0, budget)
    except BudgetExceeded:
        out.truncated = True
    return out
