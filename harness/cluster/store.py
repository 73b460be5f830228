"""A shared store for run folders (`fingertip sweep --cluster … --store URL`): a worker writes each cell's run
folder to `<store>/<sweep id>/<app>@<device>/` itself instead of sending it back as a tar.

The store is a folder every host sees (a plain path or file:// URL, e.g. an NFS mount at the same place on each
host) or an fsspec URL (s3://, gs://, memory:// …). Credentials come from each host's environment or fsspec
configuration; a URL may carry them too, so only its masked form (`shown`) is ever printed or recorded.
What the app controls is the content of the files, never where they go: only regular files under the cell's
folder are copied, to paths under the cell's prefix (links, devices and FIFOs are left out), as the `data` tar
filter does for a run folder that travels back.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import ConfigError

log = logging.getLogger("fingertip")

OPTION = "--store"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")
"""A sweep id or an `app@device` cell name as a store path segment."""
_USERINFO = re.compile(r"(?<=://)[^/?#@]*@")
_QUERY = re.compile(r"\?[^#]*")


def masked(url: str) -> str:
    """The URL with any user:password@ and query string masked: what may be printed, logged or recorded."""
    return _QUERY.sub("?***", _USERINFO.sub("***@", url))


class RunStore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(repr=False)
    """As given, absolute for a local folder (file:///…): it may hold credentials, so it is never shown."""

    @property
    def shown(self) -> str:
        return masked(self.url)

    @property
    def local(self) -> bool:
        return self.url.startswith("file://")

    def filesystem(self) -> tuple[Any, str]:
        """The fsspec filesystem and the store's root path on it."""
        if self.local:  # the path as it is on this host (a file URL's path is %-encoded)
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem(), unquote(urlsplit(self.url).path).rstrip("/")
        from fsspec.core import url_to_fs

        fs, root = url_to_fs(self.url)
        return fs, str(root).rstrip("/")

    def cell_url(self, sweep_id: str, cell: str) -> str:
        """Where a cell's run folder is, masked: what a record's `run.store` says and a report links to."""
        return f"{self.shown.rstrip('/')}/{segment(sweep_id)}/{segment(cell)}"

    def scrub(self, text: str) -> str:
        """An error's text without the URL's credentials (an fsspec error may quote the URL)."""
        return text.replace(self.url, self.shown) if self.url != self.shown else text

    def put_folder(self, folder: Path, sweep_id: str, cell: str) -> int:
        """The run folder's regular files copied under `<store>/<sweep_id>/<cell>/` (what was there before, from
        an earlier attempt at the cell, removed first). Returns how many files were written."""
        fs, root = self.filesystem()
        prefix = f"{root}/{segment(sweep_id)}/{segment(cell)}"
        if fs.exists(prefix):
            fs.rm(prefix, recursive=True)
        written = 0
        for here, dirs, files in os.walk(folder, followlinks=False):
            base = Path(here)
            dirs[:] = sorted(d for d in dirs if not (base / d).is_symlink())
            for name in sorted(files):
                source = base / name
                if source.is_symlink() or not source.is_file():  # links, FIFOs, devices: not the app's to place
                    log.warning("store: %s left out (not a regular file)", source.relative_to(folder))
                    continue
                target = f"{prefix}/{inside(source.relative_to(folder).as_posix())}"
                if self.local:
                    fs.makedirs(target.rpartition("/")[0], exist_ok=True)
                fs.put_file(str(source), target)
                written += 1
        return written


def segment(name: str) -> str:
    """A sweep id or cell name fit to be one path segment under the store; ValueError otherwise."""
    if not NAME.fullmatch(name) or name in (".", ".."):
        raise ValueError(f"{name!r} cannot name a folder in the store")
    return name


def inside(relative: str) -> str:
    """A path relative to the cell's folder that stays inside it; ValueError otherwise."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not pure.parts or any(part in ("", ".", "..") for part in pure.parts):
        raise ValueError(f"{relative!r} leaves the cell's folder")
    return pure.as_posix()


def parse_store(value: str) -> RunStore:
    """`--store`'s value as a store; ConfigError (exit 2) naming the option for what cannot be one."""
    value = value.strip()
    if not value:
        raise ConfigError(OPTION, None, "an empty store URL")
    if "?" in value or "#" in value:
        raise ConfigError(OPTION, None, f"{masked(value)}: a store URL has no query or fragment (a store's options "
                                        "come from each host's fsspec configuration and environment)")
    if "::" in value:
        raise ConfigError(OPTION, None, f"{masked(value)}: a chained fsspec URL is not a store; give the store itself")
    if "://" not in value:
        return RunStore(url=Path(os.path.abspath(os.path.expanduser(value))).as_uri())  # links as given, unresolved
    protocol = value.split("://", 1)[0].lower()
    if protocol == "file":
        parts = urlsplit(value)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ConfigError(OPTION, None, f"{masked(value)}: a file:// store is an absolute path on this host, "
                                            "e.g. file:///mnt/lab/runs")
        return RunStore(url=Path(os.path.abspath(unquote(parts.path))).as_uri())
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", protocol):
        raise ConfigError(OPTION, None, f"{masked(value)}: not a URL or a path")
    import fsspec

    try:
        fsspec.get_filesystem_class(protocol)
    except ValueError:
        raise ConfigError(OPTION, None, f"{masked(value)}: unknown protocol {protocol}:// (fsspec knows "
                                        "file, s3, gs, az, memory …)") from None
    except ImportError as e:
        raise ConfigError(OPTION, None, f"{masked(value)}: {protocol}:// needs a package installed on every "
                                        f"host ({e})") from None
    return RunStore(url=value)


def check_writable(store: RunStore, sweep_id: str) -> None:
    """Write and remove a probe file under `<store>/<sweep_id>/` from this host; ConfigError when it cannot."""
    try:
        fs, root = store.filesystem()
        if store.local and not fs.isdir(root):
            raise ConfigError(OPTION, None, f"{store.shown}: no such folder on this host (a shared store is a "
                                            "folder every host sees: create or mount it first)")
        folder = f"{root}/{segment(sweep_id)}"
        probe = f"{folder}/.fingertip-probe-{secrets.token_hex(4)}"
        fs.makedirs(folder, exist_ok=True)
        fs.pipe_file(probe, b"fingertip")
        fs.rm_file(probe)
    except ConfigError:
        raise
    except Exception as e:  # whatever the filesystem raises: it cannot take the run folders
        raise ConfigError(OPTION, None, f"{store.shown}: not writable from this host: "
                                        f"{type(e).__name__}: {store.scrub(str(e))}") from None
