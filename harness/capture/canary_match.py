"""Does a body carry the run's canary text, however the app wrapped or cut it?

The body is searched whole (never a prefix), as UTF-8 and as GBK, and then layer by layer through what
apps wrap text in: `\\u` escapes (either case), URL encoding (UTF-8 or GBK bytes, `%uXXXX`), HTML
entities, base64 (standard or URL-safe, nested) and gzip/zlib streams. Every layer draws on the
flow's one decompression budget. An app that cut the text short still sends a distinctive part of it:
any four characters of which three are not ASCII, or any eight characters.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections import deque
from urllib.parse import unquote_to_bytes

from harness.observe.bounded import Budget, gunzip_within

MAX_DEPTH = 6
"""Layers of wrapping followed (URL inside base64 inside JSON …)."""
BASE64_TOKEN = re.compile(rb"[A-Za-z0-9+/_-]{12,}={0,2}")
BACKSLASH_U = re.compile(rb"\\u([0-9a-fA-F]{4})")
PERCENT_U = re.compile(rb"%u([0-9a-fA-F]{4})", re.I)


def distinctive_parts(canary: str) -> tuple[str, ...]:
    """The canary and every short part of it that would still identify it; none contains another."""
    parts = {canary}
    for size in (4, 8):
        for start in range(len(canary) - size + 1):
            window = canary[start:start + size]
            if size == 8 or sum(not c.isascii() for c in window) >= 3:
                parts.add(window)
    return tuple(sorted(p for p in parts if not any(q != p and q in p for q in parts)))


def _code_points(pattern: re.Pattern[bytes], data: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        return chr(int(match.group(1), 16)).encode("utf-8", "replace")
    return pattern.sub(one, data)


def _children(data: bytes, budget: Budget) -> list[bytes]:
    """What one layer of unwrapping gives; each result is paid for from the budget."""
    out: list[bytes] = []

    def keep(child: bytes) -> None:
        if child and child != data:
            budget.take(len(child))
            out.append(child)

    if b"%" in data or b"+" in data:
        keep(unquote_to_bytes(_code_points(PERCENT_U, data).replace(b"+", b" ")))
    if b"\\u" in data or b"\\U" in data:
        keep(_code_points(BACKSLASH_U, data.replace(b"\\U", b"\\u")))
    if b"&" in data and b";" in data:
        keep(html.unescape(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape"))
    inflated = gunzip_within(data, budget)  # paid for as it inflates
    if inflated:
        out.append(inflated)
    for token in BASE64_TOKEN.findall(data):
        token = token.rstrip(b"=")
        try:
            keep(base64.b64decode(token + b"=" * (-len(token) % 4),
                                  altchars=b"-_" if b"-" in token or b"_" in token else None))
        except (binascii.Error, ValueError):
            continue
    return out


class CanaryMatcher:
    def __init__(self, canary: str) -> None:
        self.canary = canary
        self.parts = distinctive_parts(canary) if canary else ()
        self._encoded = [(p.encode("utf-8"), _gbk(p)) for p in self.parts]

    def _hit(self, data: bytes) -> bool:
        return any(utf8 in data or (gbk is not None and gbk in data) for utf8, gbk in self._encoded)

    def found_in(self, data: bytes, budget: Budget) -> bool:
        """True when `data` carries the canary or a distinctive part of it. Raises BudgetExceeded when the
        budget ran out before every layer was searched (the caller decides how to fail closed)."""
        if not self.parts or not data:
            return False
        queue: deque[tuple[bytes, int]] = deque([(data, 0)])
        seen: set[int] = set()
        while queue:
            blob, depth = queue.popleft()
            if self._hit(blob):
                return True
            if depth >= MAX_DEPTH:
                continue
            for child in _children(blob, budget):
                key = hash(child)
                if key not in seen:
                    seen.add(key)
                    queue.append((child, depth + 1))
        return False


def _gbk(text: str) -> bytes | None:
    try:
        return text.encode("gb18030")
    except UnicodeEncodeError:
        return None
