"""Zips a hostile app would ship: entries whose headers lie about their size or method, and bombs written
without holding their decompressed bytes in memory."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path


def patch_entry(path: Path, name: str, *, size: int | None = None, method: int | None = None) -> None:
    """Rewrite what `name`'s local and central headers declare (uncompressed size, compression method)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    # (signature, offsets of: uncompressed size, method, name length, name) in the local and central headers
    for signature, size_at, method_at, length_at, name_at in ((b"PK\x03\x04", 22, 8, 26, 30),
                                                              (b"PK\x01\x02", 24, 10, 28, 46)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            length = struct.unpack_from("<H", data, at + length_at)[0]
            if bytes(data[at + name_at:at + name_at + length]) != encoded:
                continue
            if size is not None:
                struct.pack_into("<I", data, at + size_at, size)
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
    path.write_bytes(bytes(data))


def write_bomb(archive: zipfile.ZipFile, name: str, megabytes: int, head: bytes = b"") -> None:
    """`head` followed by `megabytes` MB of zeros, deflated as it is written (about 1 KB per MB)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    zeros = bytes(1 << 20)
    with archive.open(info, "w") as entry:
        entry.write(head)
        for _ in range(megabytes):
            entry.write(zeros)
