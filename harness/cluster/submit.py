"""`fingertip sweep --cluster ADDRESS`: every app × device cell as an engine task on the host owning the device.

The farm is the union of the connected workers' devices, as each announced it in the scheduler's metadata. Each
cell is a task restricted to its device's resource; a scenario's files (package, upstream CA) go to each worker
once per sweep in a task pinned there, whose result its cells there depend on. Outcomes come back through the
scheduler's metadata, where the worker put them over its own connection. Nothing here makes the scheduler or
this client connect to a worker (no gather, scatter or Client.run): workers need only reach the scheduler.
Outcomes are written into the sweep folder the moment they arrive (run folder unpacked,
or left where the worker wrote it in the sweep's store; the cell's results.json), so an interrupted sweep keeps
them and `--resume` runs only the rest. A worker that disappears leaves its unfinished cells to an equivalent
device (same kind and labels) on a live worker, or ends them as `error` naming the lost host; a device
quarantined on its host hands its cells on alike.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed import Client, Future, wait

from harness.checks.registry import checks_for
from harness.cluster.contract import CellOutcome, CellTask, ScenarioBundle, WorkerFarm, bundle_scenario, equivalent
from harness.cluster.store import RunStore
from harness.cluster.transfer import unpack
from harness.cluster.worker import FARMS, OUTCOME, close_sweep, device_resource, package, run_cell
from harness.config.farm import DeviceSpecBase, Farm
from harness.config.scenario import Scenario
from harness.errors import ConfigError
from harness.reports.results import missing_record, write_cell
from harness.reports.run_page import write_run_pages
from harness.run import RunPaths
from harness.session import devices_for, finished_cell

log = logging.getLogger("fingertip")

POLL_S = 0.5
"""How often the sweep looks for lost workers while it waits for cells."""
CLOSE_TIMEOUT_S = 120.0


@dataclass
class Job:
    scenario: Scenario
    bundle: ScenarioBundle
    contents: dict[str, bytes]
    """The bundle's files by sha256 (shared by the scenario's jobs)."""
    cell: DeviceSpecBase
    run_on: str
    reason: str | None = None
    tried: set[str] = field(default_factory=set)


CellDone = Callable[[str, list[dict[str, Any]]], None]
"""Called with `app@device` and its records as each cell is written (the CLI's progress bar)."""


def alive_workers(client: Client) -> set[str]:
    """The addresses of the workers connected now, asked of the scheduler. (Client.scheduler_info() returns the
    client's cached identity, which its own periodic refresh may have just replaced by one without workers.)"""
    return set(client.sync(client.scheduler.identity, n_workers=-1)["workers"])


def discover(client: Client, where: str) -> list[WorkerFarm]:
    """The connected fingertip workers' farms, as each announced it to the scheduler; ConfigError when none, or
    when two claim one device id."""
    return farms_of(client.get_metadata([FARMS], default={}) or {}, alive_workers(client), where)


def farms_of(announced: dict[str, str], alive: set[str], where: str) -> list[WorkerFarm]:
    """The farms announced (worker address → WorkerFarm JSON) by workers still connected (a worker gone leaves
    its announcement behind)."""
    farms = [WorkerFarm.model_validate_json(farm) for address, farm in sorted(announced.items()) if address in alive]
    if not farms:
        raise ConfigError(where, None, "no fingertip worker is connected to this scheduler "
                                       "(start `fingertip worker --scheduler ADDRESS` on each device host)")
    owners: dict[str, WorkerFarm] = {}
    for farm in farms:
        for spec in farm.devices:
            if spec.id in owners:
                other = owners[spec.id]
                raise ConfigError(where, None, f"device id {spec.id!r} is on two workers: {other.host} "
                                               f"({other.address}) and {farm.host} ({farm.address}); ids must be "
                                               "unique across the lab")
            owners[spec.id] = farm
    return farms


class ClusterSweep:
    def __init__(self, client: Client, farms: list[WorkerFarm], sweep_dir: Path, *, masked: bool = True,
                 retries: int = 1, resume: bool = False, on_cell: CellDone | None = None,
                 store: RunStore | None = None) -> None:
        self.client = client
        self.sweep_dir = sweep_dir
        self.sweep_id = sweep_dir.name
        self.masked = masked
        self.retries = retries
        self.resume = resume
        self.on_cell = on_cell
        self.store = store
        self.owner = {spec.id: farm for farm in farms for spec in farm.devices}
        self.farm = Farm(path=Path("cluster"), devices=tuple(s for f in farms for s in f.devices))
        self.lost: dict[str, WorkerFarm] = {}
        """Worker address → its farm, for workers gone during the sweep."""
        self.set_aside: dict[str, str] = {}
        """Device id → why its host quarantined it."""
        self.futures: dict[Future, Job] = {}
        self.packages: dict[tuple[str, str], Future] = {}
        """(worker address, sha256) → the package task holding the file's content on that worker: once per sweep."""

    def cells(self, scenarios: list[Scenario]) -> tuple[list[Job], int]:
        """The cells to run, and how many an earlier attempt at this sweep finished (kept on --resume)."""
        jobs, kept = [], 0
        for scenario in scenarios:
            bundle, contents = bundle_scenario(scenario)
            for spec in devices_for(scenario, self.farm):
                root = RunPaths.for_cell(self.sweep_dir, scenario.id, spec.id).root
                if self.resume and finished_cell(root, checks_for(scenario.platform)) is not None:
                    kept += 1
                    continue
                jobs.append(Job(scenario, bundle, contents, spec, spec.id, tried={spec.id}))
        return jobs, kept

    def run(self, jobs: list[Job]) -> None:
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        try:
            for job in jobs:
                self._submit(job)
            while self.futures:
                try:
                    done = wait(list(self.futures), timeout=POLL_S, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                for future in done:
                    if future in self.futures:
                        self._finished(future, self.futures.pop(future))
                self._watch_workers()
        finally:
            self.client.cancel(list(self.futures))
            self.futures.clear()
            self._close_sessions()
            self.client.cancel(list(self.packages.values()))  # the workers let go of the packages
            self.packages.clear()

    def _submit(self, job: Job) -> None:
        host = self.owner[job.run_on]
        try:
            contents = {digest: self._package_on(host.address, digest, job.contents[digest])
                        for digest in sorted(set(job.bundle.files.values()))}
        except Exception as e:  # the worker did not take the data: gone, most likely
            self._lost_cell(job, f"主机 {host.host}（{host.address}）未能收到应用文件：{type(e).__name__}")
            return
        task = CellTask(sweep_id=self.sweep_id, bundle=job.bundle, cell=job.cell, run_on=job.run_on,
                        stand_in_reason=job.reason, masked=self.masked, retries=self.retries, store=self.store)
        key = f"cell-{self.sweep_id}-{job.scenario.id}@{job.cell.id}-on-{job.run_on}-{secrets.token_hex(3)}"
        future = self.client.submit(run_cell, task, contents, key=key, resources={device_resource(job.run_on): 1},
                                    pure=False, retries=0)
        self.futures[future] = job

    def _package_on(self, address: str, digest: str, content: bytes) -> Future:
        """The file on that worker, sent the first time one of its cells needs it: a task pinned there carrying
        the content, which reaches the worker on the stream it opened to the scheduler (a scatter would connect
        to the worker). A cell task depending on it runs on the same worker: nothing is transferred again."""
        held = self.packages.get((address, digest))
        if held is None:
            key = f"file-{self.sweep_id}-{digest[:16]}-{secrets.token_hex(3)}"
            with warnings.catch_warnings():  # "Sending large graph": the package is that graph, on purpose
                warnings.filterwarnings("ignore", message="Sending large graph")
                held = self.client.submit(package, content, key=key, workers=[address], allow_other_workers=False,
                                          pure=False, retries=0)
            self.packages[(address, digest)] = held
        return held

    def _finished(self, future: Future, job: Job) -> None:
        host = self.owner[job.run_on]
        if future.status == "finished":
            try:
                outcome = self._outcome(future)
            except Exception as e:  # no outcome reached the scheduler: run it again like a lost one
                self._lost_cell(job, f"主机 {host.host}（{host.address}）的结果未能取回：{type(e).__name__}")
                return
            if outcome.device_set_aside is not None:
                self.set_aside[job.run_on] = outcome.device_set_aside
                if self._reroute(job, f"设备 {job.run_on} 在主机 {outcome.host} 上已隔离："
                                      f"{outcome.device_set_aside}"):
                    return
            self._write(job, outcome)
        elif future.status == "error":
            if host.address in self.lost:
                self._lost_cell(job, f"主机 {host.host}（{host.address}）失联")
                return
            error = future.exception()
            self._write_missing(job, f"检测主机 {host.host} 运行出错：{type(error).__name__}: {error}")
        else:  # cancelled or lost by the engine itself: the cell has no result anywhere
            self._lost_cell(job, f"主机 {host.host}（{host.address}）上的任务{future.status}")

    def _outcome(self, future: Future) -> CellOutcome:
        """What the worker put in the scheduler's metadata under the cell's key before the task ended (never the
        task's result: fetching that would connect to the worker); the task let go of then, and the entry with
        it."""
        try:
            published = self.client.get_metadata([future.key, OUTCOME], default=None)
        finally:
            future.release()
        if not isinstance(published, bytes):
            raise LookupError(f"no outcome for {future.key}")
        outcome = pickle.loads(published)
        if not isinstance(outcome, CellOutcome):
            raise TypeError(f"{type(outcome).__name__} is no cell outcome")
        return outcome

    def _watch_workers(self) -> None:
        alive = alive_workers(self.client)
        for farm in {f.address: f for f in self.owner.values()}.values():
            if farm.address not in alive and farm.address not in self.lost:
                log.error("worker %s (%s) lost: its unfinished cells go elsewhere", farm.host, farm.address)
                self.lost[farm.address] = farm
        for future, job in list(self.futures.items()):
            host = self.owner[job.run_on]
            if host.address in self.lost:
                del self.futures[future]
                future.cancel()
                self._lost_cell(job, f"主机 {host.host}（{host.address}）失联")

    def _lost_cell(self, job: Job, why: str) -> None:
        if not self._reroute(job, why):
            self._write_missing(job, f"{why}，无同类设备可代跑，未完成")

    def _reroute(self, job: Job, why: str) -> bool:
        """The cell to a free-most equivalent device on a live worker that has not tried it yet."""
        candidates = [d for d in self.farm.devices
                      if equivalent(job.cell, d) and d.id not in job.tried and d.id not in self.set_aside
                      and self.owner[d.id].address not in self.lost]
        if not candidates:
            return False
        load = {d.id: sum(j.run_on == d.id for j in self.futures.values()) for d in candidates}
        other = min(candidates, key=lambda d: load[d.id])
        log.warning("cell %s@%s goes to %s on %s: %s", job.scenario.id, job.cell.id, other.id,
                    self.owner[other.id].host, why)
        self._submit(Job(job.scenario, job.bundle, job.contents, job.cell, other.id, why, job.tried | {other.id}))
        return True

    def _write(self, job: Job, outcome: CellOutcome) -> None:
        root = RunPaths.for_cell(self.sweep_dir, job.scenario.id, job.cell.id).root
        if outcome.run_tar:
            unpack(outcome.run_tar, root)
        write_cell(root, outcome.records)
        write_run_pages(self.sweep_dir, outcome.records)
        self._done(job, outcome.records)

    def _write_missing(self, job: Job, summary: str) -> None:
        scenario = job.scenario
        root = RunPaths.for_cell(self.sweep_dir, scenario.id, job.cell.id).root
        cell_dir = root.relative_to(self.sweep_dir).as_posix()
        records = [missing_record(scenario.id, scenario.name, job.cell.id, scenario.platform, check, "error",
                                  summary, cell_dir) for check in checks_for(scenario.platform)]
        write_cell(root, records)
        self._done(job, records)

    def _done(self, job: Job, records: list[dict[str, Any]]) -> None:
        if self.on_cell is not None:
            self.on_cell(f"{job.scenario.id}@{job.cell.id}", records)

    def _close_sessions(self) -> None:
        """Each live worker's sessions of this sweep closed (devices restored), behind any cell still on them."""
        closing = [self.client.submit(close_sweep, self.sweep_id, spec.id, resources={device_resource(spec.id): 1},
                                      key=f"close-{self.sweep_id}-{spec.id}-{secrets.token_hex(3)}",
                                      pure=False)
                   for spec in self.farm.devices if self.owner[spec.id].address not in self.lost]
        try:
            wait(closing, timeout=CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.error("some workers did not close this sweep's devices within %.0f s", CLOSE_TIMEOUT_S)
        self.client.cancel(closing)
