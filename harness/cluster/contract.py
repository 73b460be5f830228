"""What crosses the wire between the submitting host and the workers: typed, picklable models.

A scenario names by sha256 the files a worker cannot be assumed to have (the app package, the upstream CA); their
content goes to each worker once per sweep, apart from the cells (in a package task pinned to the worker, which its
cells there depend on), and the worker checks it against the digest before writing it to its cache. A `serve:`
sample backend is taken from the worker's own Fingertip checkout, by its path relative to the project, since it is
code the worker runs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from harness.cluster.store import RunStore
from harness.config.farm import DeviceSpec, DeviceSpecBase
from harness.config.scenario import PROJECT_ROOT, Scenario
from harness.errors import ConfigError


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkerFarm(_Wire):
    """One worker's devices, as it reports them to a submitting sweep."""

    address: str
    """The worker's address on the engine (changes when it restarts)."""
    host: str
    """The machine's name: what a report says when the worker is lost."""
    devices: tuple[DeviceSpec, ...]


class ScenarioBundle(_Wire):
    scenario: Scenario
    files: dict[str, str] = {}
    """File name → the sha256 of its content: the app package (android / harmony) and the upstream CA. The
    content travels apart from the cells, once per worker and sweep."""
    serve: str | None = None
    """The sample backend's folder relative to the project root (found in the worker's own checkout)."""

    @property
    def digest(self) -> str:
        """Names the worker's staging folder: the same bundle is written once per worker."""
        h = hashlib.sha256(self.scenario.model_dump_json().encode())
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode())
        return h.hexdigest()[:16]


class CellTask(_Wire):
    sweep_id: str
    bundle: ScenarioBundle
    cell: DeviceSpecBase
    """The farm device whose cell this is (app@cell.id names its run folder)."""
    run_on: str
    """The device that runs it: cell.id, or an equivalent one when the cell's own host was lost or its device
    quarantined there (`stand_in_reason` says which)."""
    stand_in_reason: str | None = None
    masked: bool = True
    retries: int = 1
    store: RunStore | None = None
    """Where the worker writes the run folder itself; None: it goes back in the outcome as a tar."""


class CellOutcome(_Wire):
    records: list[dict[str, Any]]
    run_tar: bytes
    """The run folder (runs/<app>@<device>/) as an uncompressed tar: video, observations, screens, pages (empty
    when the worker wrote it to the sweep's store)."""
    host: str
    worker: str
    device_set_aside: str | None = None
    """Set when the device is quarantined on its host and the cell did not run: the submitting sweep runs the
    cell on an equivalent device elsewhere (why it was set aside)."""


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def bundle_scenario(scenario: Scenario) -> tuple[ScenarioBundle, dict[str, bytes]]:
    """The scenario as a worker needs it, and the content of the files it names by digest (sha256 → bytes);
    ConfigError (exit 2) for what a worker could not find."""
    files: dict[str, bytes] = {}
    updates: dict[str, Any] = {}
    if scenario.platform != "web":
        package = scenario.entry_path()
        if not package.is_file():
            raise ConfigError(scenario.path, None, f"entry: {package} does not exist")
        files[package.name] = package.read_bytes()
        updates["entry"] = package.name
    if scenario.upstream_ca is not None:
        files["upstream-ca.pem"] = scenario.upstream_ca.read_bytes()
    serve = None
    if scenario.serve is not None:
        if not scenario.serve.is_relative_to(PROJECT_ROOT):
            raise ConfigError(scenario.path, None, f"serve: {scenario.serve} is outside the project: a cluster "
                                                   "sweep serves sample backends from each worker's own checkout")
        serve = scenario.serve.relative_to(PROJECT_ROOT).as_posix()
    digests = {name: sha256_of(content) for name, content in files.items()}
    bundle = ScenarioBundle(scenario=scenario.model_copy(update=updates), files=digests, serve=serve)
    return bundle, {digests[name]: content for name, content in files.items()}


def unbundle(bundle: ScenarioBundle, staging: Path, contents: Mapping[str, bytes] | None = None) -> Scenario:
    """The scenario on this worker: its files written under `staging` (once: a file already there was checked
    when written), each from `contents` (sha256 → bytes, as it reached this worker) only when its content has
    that digest; `serve` in this checkout. ConfigError for a file missing or altered on the way."""
    folder = staging / bundle.digest
    for name, digest in bundle.files.items():
        target = folder / Path(name).name  # a bare name: nothing written outside the folder
        if target.is_file():
            continue
        content = (contents or {}).get(digest)
        if content is None:
            raise ConfigError(name, None, f"its content (sha256 {digest[:16]}…) did not reach this worker")
        if sha256_of(content) != digest:
            raise ConfigError(name, None, f"what reached this worker is not the file the sweep sent (sha256 "
                                          f"{sha256_of(content)[:16]}… instead of {digest[:16]}…)")
        folder.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")  # two devices' cells at once
        temporary.write_bytes(content)
        temporary.replace(target)
    updates: dict[str, Any] = {"path": folder / Path(bundle.scenario.path).name}
    if "upstream-ca.pem" in bundle.files:
        updates["upstream_ca"] = folder / "upstream-ca.pem"
    if bundle.serve is not None:
        serve = PROJECT_ROOT / bundle.serve
        if not (serve / "app.py").is_file():
            raise ConfigError(serve, None, "serve: this worker's checkout has no such sample backend")
        updates["serve"] = serve
    return bundle.scenario.model_copy(update=updates)


def equivalent(a: DeviceSpecBase, b: DeviceSpecBase) -> bool:
    """The session's rule for a stand-in device: same kind and the same labels (the same OS class)."""
    return a.id != b.id and a.kind == b.kind and sorted(a.labels) == sorted(b.labels)
