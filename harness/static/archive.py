"""Reading a package's zip as an app wrote it: hostile. Every size an entry declares is capped before
anything is decompressed, every entry read is capped by what it actually yields, and each zip problem
becomes a PackageError naming the entry — never a traceback, never an unbounded read."""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from harness.errors import PackageError

MB = 1 << 20
MAX_PACKAGE_BYTES = 1024 * MB
"""A package file on disk (APK, HAP, APP); government apps are tens to a few hundred MB."""
MAX_ENTRIES = 50_000
MAX_ENTRY_BYTES = 512 * MB
"""What one entry may declare uncompressed."""
MAX_TOTAL_BYTES = 4096 * MB
"""What all entries of one zip may declare uncompressed together."""
MAX_RATIO = 1000
"""Uncompressed / compressed size past which a large entry is a decompression bomb (deflate tops out near 1030)."""
RATIO_FROM_BYTES = 1 * MB
MAX_MANIFEST_BYTES = 8 * MB
"""AndroidManifest.xml, module.json, pack.info: read into memory and parsed."""
MAX_RESOURCES_BYTES = 64 * MB
"""resources.arsc / resources.index (the app's label lives there)."""
MAX_NESTED_BYTES = 512 * MB
"""A HAP inside an .app, copied out (to a temporary file past 16 MB) to be read; nesting stops there."""
MAX_HAPS_IN_APP = 64
CHUNK = 1 * MB
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
              ValueError, OSError, OverflowError)
"""What a malformed zip makes zipfile raise (RuntimeError: encrypted; NotImplementedError: odd compression)."""


def check_file(path: Path, kind: str) -> None:
    if not path.is_file():
        raise PackageError(path, f"no such {kind} file")
    size = path.stat().st_size
    if size > MAX_PACKAGE_BYTES:
        raise PackageError(path, f"文件 {size // MB} MB，超过安装包上限 {MAX_PACKAGE_BYTES // MB} MB",
                           "PACKAGE_TOO_LARGE")


def check_entries(archive: zipfile.ZipFile, path: Path, inside: str = "") -> None:
    """Refuse a zip whose directory declares too many entries, too large an entry, too much in total or a
    bomb-like compression ratio, before any entry is decompressed."""
    where = f"{inside}: " if inside else ""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageError(path, f"{where}{len(infos)} 个条目，超过上限 {MAX_ENTRIES}", "PACKAGE_TOO_LARGE")
    total = 0
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES:
            raise PackageError(path, f"{where}条目 {info.filename!r} 声明 {info.file_size} 字节，超过单条目上限 "
                                     f"{MAX_ENTRY_BYTES // MB} MB", "PACKAGE_TOO_LARGE")
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise PackageError(path, f"{where}条目 {info.filename!r} 压缩比 {ratio}:1，疑似解压炸弹", "PACKAGE_BOMB")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise PackageError(path, f"{where}条目解压后共 {total // MB} MB，超过上限 {MAX_TOTAL_BYTES // MB} MB",
                           "PACKAGE_TOO_LARGE")


@contextlib.contextmanager
def open_zip(source: Path | IO[bytes], path: Path, inside: str = "") -> Iterator[zipfile.ZipFile]:
    """A zip whose directory passed `check_entries`; zip errors while it is used become PackageError."""
    where = f"{inside}: " if inside else ""
    try:
        with zipfile.ZipFile(source) as archive:
            check_entries(archive, path, inside)
            yield archive
    except PackageError:
        raise
    except ZIP_ERRORS as e:
        raise PackageError(path, f"{where}zip 结构损坏：{e}", "PACKAGE_CORRUPT") from e


def read_entry(archive: zipfile.ZipFile, name: str, path: Path, limit: int, inside: str = "") -> bytes | None:
    """An entry's bytes, or None when it is absent. Reading stops at `limit` whatever the entry declares,
    and a CRC or size that does not match what was declared is an error (a lying header)."""
    out = bytearray()
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    with _stream(archive, info, path, limit, inside) as chunks:
        for chunk in chunks:
            out += chunk
    return bytes(out)


def copy_entry(archive: zipfile.ZipFile, name: str, path: Path, limit: int, inside: str = "") -> IO[bytes]:
    """An entry copied into a temporary file (in memory up to 16 MB), capped like `read_entry`."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * MB)  # noqa: SIM115 - the caller closes it
    try:
        with _stream(archive, archive.getinfo(name), path, limit, inside) as chunks:
            for chunk in chunks:
                spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


@contextlib.contextmanager
def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limit: int,
            inside: str) -> Iterator[Iterator[bytes]]:
    where = f"{inside}: " if inside else ""
    if info.file_size > limit:
        raise PackageError(path, f"{where}{info.filename} 声明 {info.file_size} 字节，超过上限 {limit} 字节",
                           "PACKAGE_TOO_LARGE")

    def chunks() -> Iterator[bytes]:
        read = 0
        with archive.open(info) as entry:  # stops at the declared size and checks the CRC at the end
            while chunk := entry.read(CHUNK):
                read += len(chunk)
                if read > limit:
                    raise PackageError(path, f"{where}{info.filename} 解压超过上限 {limit} 字节", "PACKAGE_TOO_LARGE")
                yield chunk
        if read != info.file_size:
            raise PackageError(path, f"{where}{info.filename} 声明 {info.file_size} 字节，实际 {read} 字节",
                               "PACKAGE_CORRUPT")

    try:
        yield chunks()
    except PackageError:
        raise
    except ZIP_ERRORS as e:
        raise PackageError(path, f"{where}{info.filename} 无法解压：{e}", "PACKAGE_CORRUPT") from e
