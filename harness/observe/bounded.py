"""Decompression with one budget per flow: a hostile body cannot make the proxy or the worker inflate
gigabytes. Every layer (Content-Encoding, gzip inside base64, each multipart part) draws on the same
Budget, so nesting does not multiply it. mitmproxy's `get_content()` inflates without a limit and is
never called on app traffic.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

FLOW_BUDGET = 32 * 1024 * 1024
"""Bytes one flow may produce by decompression and decoding, over every layer."""
CHUNK = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class BudgetExceeded(ValueError):
    """The flow's decompression budget ran out: the rest of the body was not looked at."""


class Undecodable(ValueError):
    """A Content-Encoding this module cannot decode within a budget (brotli, unknown codings)."""


class Budget:
    def __init__(self, limit: int = FLOW_BUDGET) -> None:
        self.left = limit
        self.exhausted = False

    def take(self, size: int) -> None:
        if size > self.left:
            self.left = 0
            self.exhausted = True
            raise BudgetExceeded("decompression budget exhausted")
        self.left -= size


def _inflate(data: bytes, wbits: int, budget: Budget) -> Iterator[bytes]:
    """zlib / gzip (every member) in chunks, each drawn from the budget before it is kept."""
    while data:
        inflater = zlib.decompressobj(wbits)
        pending = data
        while True:  # drain with empty input too: output may wait inside zlib after the input is used up
            chunk = inflater.decompress(pending, CHUNK)
            budget.take(len(chunk))
            yield chunk
            pending = inflater.unconsumed_tail
            if inflater.eof or (not chunk and not pending):
                break
        tail = inflater.flush()
        budget.take(len(tail))
        yield tail
        data = inflater.unused_data if inflater.eof else b""
        if wbits & 16 and data[:2] != GZIP_MAGIC:
            return  # trailing garbage after the last member


def _zstd(data: bytes, budget: Budget) -> Iterator[bytes]:
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    while chunk := reader.read(CHUNK):
        budget.take(len(chunk))
        yield chunk


def _deflate(data: bytes, budget: Budget) -> bytes:
    try:  # zlib-wrapped, as the RFC says; many servers send raw deflate
        return b"".join(_inflate(data, zlib.MAX_WBITS, budget))
    except zlib.error:
        return b"".join(_inflate(data, -zlib.MAX_WBITS, budget))


def decode_layer(data: bytes, coding: str, budget: Budget) -> bytes:
    coding = coding.strip().lower()
    try:
        if coding in ("", "identity", "none"):
            return data
        if coding in ("gzip", "x-gzip"):
            return b"".join(_inflate(data, 16 + zlib.MAX_WBITS, budget))
        if coding == "deflate":
            return _deflate(data, budget)
        if coding == "zstd":
            return b"".join(_zstd(data, budget))
    except (zlib.error, ValueError) as e:
        if isinstance(e, BudgetExceeded):
            raise
        raise Undecodable(f"{coding} body does not decode: {e}") from e
    raise Undecodable(f"Content-Encoding {coding!r} is not decoded within a budget")


def decode_body(raw: bytes, content_encoding: str, budget: Budget) -> bytes:
    """The body with its Content-Encoding undone (codings applied in order are undone in reverse)."""
    data = raw
    for coding in reversed([c for c in content_encoding.split(",") if c.strip()]):
        data = decode_layer(data, coding, budget)
    return data


def gunzip_within(data: bytes, budget: Budget) -> bytes | None:
    """A gzip (or zlib) stream found inside a body, inflated within the budget; None when it is not one."""
    if data[:2] == GZIP_MAGIC:
        wbits = 16 + zlib.MAX_WBITS
    elif len(data) > 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        wbits = zlib.MAX_WBITS
    else:
        return None
    out = bytearray()
    try:
        for chunk in _inflate(data, wbits, budget):
            out += chunk
    except zlib.error:
        return bytes(out) if out else None
    return bytes(out)
