"""`fingertip worker`: a Dask worker whose resources are this host's devices; it runs cells on them.

Resources: `device:<id>` = 1 per farm entry (a cell task asks for exactly one, so a device runs one cell at a
time), plus `kind:<kind>` and `label:<label>` counts, which show the host's farm on the engine's dashboard.
Each device has its own SweepSession per sweep (opened once, kept open between its cells, closed when the
sweep ends or a newer sweep takes the device): the session's retries, quarantine and execute_run are those
of a local sweep. Everything a run needs — adb / hdc, Appium, the capture proxy, recording — is local here.

The worker needs only its own outbound connections to the scheduler: it announces its farm in the scheduler's
metadata (`FARMS`), its tasks reach it over the stream it opened, and each cell's outcome goes back the same way,
into the scheduler's metadata under the cell's task key (`OUTCOME`), which the engine drops with the task.
Nothing a sweep does connects to the worker's own address.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import shutil
import signal
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distributed import Worker, get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.security import Security
from distributed.utils import sync

from harness.capture.ca import remove_ca
from harness.checks.registry import checks_for
from harness.cluster.contract import CellOutcome, CellTask, WorkerFarm, unbundle
from harness.cluster.store import RunStore
from harness.cluster.transfer import pack
from harness.config.farm import Farm
from harness.errors import ConfigError
from harness.reports.results import missing_record, write_cell
from harness.run import RunPaths
from harness.session import SweepSession

log = logging.getLogger("fingertip")

PLUGIN = "fingertip"
FARMS = "fingertip-farms"
"""The scheduler's metadata entry where each worker announces its farm: worker address → WorkerFarm as JSON."""
OUTCOME = "fingertip-outcome"
"""Under a cell task's key in the scheduler's metadata: its CellOutcome, pickled (dropped with the task)."""
PUBLISH_TIMEOUT_S = 300.0
DEFAULT_WORK_DIR = Path.home() / ".cache" / "fingertip" / "worker"


def device_resource(device_id: str) -> str:
    return f"device:{device_id}"


def resources_for(farm: Farm) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for spec in farm.devices:
        counts[device_resource(spec.id)] = 1
        counts[f"kind:{spec.kind}"] += 1
        for label in spec.labels:
            counts[f"label:{label}"] += 1
    return {name: float(n) for name, n in counts.items()}


class FingertipWorker(WorkerPlugin):
    """The worker's farm and its per-device sessions."""

    name = PLUGIN

    def __init__(self, farm: Farm, work_dir: Path, host: str | None = None) -> None:
        self.farm = farm
        self.work_dir = work_dir
        self.host = host or socket.gethostname()
        self.address = ""
        self._sessions: dict[str, tuple[str, SweepSession]] = {}
        """device id → (sweep id, the session driving it)."""
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<FingertipWorker {self.host} devices={[d.id for d in self.farm.devices]}>"

    def setup(self, worker: Worker) -> None:
        self.address = worker.address

    def teardown(self, worker: Worker) -> None:
        self.close_all()

    def describe(self) -> WorkerFarm:
        return WorkerFarm(address=self.address, host=self.host, devices=self.farm.devices)

    def _sweep_dir(self, sweep_id: str) -> Path:
        return self.work_dir / "sweeps" / sweep_id

    def session(self, task: CellTask) -> SweepSession:
        with self._lock:
            held = self._sessions.get(task.run_on)
            if held is not None and held[0] == task.sweep_id:
                return held[1]
            if held is not None:  # a newer sweep takes the device: the older one's session gives it back
                self._close(task.run_on)
            sweep_dir = self._sweep_dir(task.sweep_id)
            farm = Farm(path=self.farm.path, devices=(self.farm.device(task.run_on),))
            session = SweepSession(farm, sweep_dir, task.sweep_id, self.work_dir / "sweeps" / ".leases",
                                   masked=task.masked, retries=task.retries)
            self._sessions[task.run_on] = (task.sweep_id, session)
            return session

    def run(self, task: CellTask, contents: Mapping[str, bytes] | None = None) -> CellOutcome:
        """One cell; `contents`: the scenario's files by sha256, as they reached this worker (once per sweep)."""
        session = self.session(task)
        try:
            scenario = unbundle(task.bundle, self.work_dir / "scenarios", contents)
        except ConfigError as e:  # this host's checkout lacks what the scenario serves: a host problem
            return CellOutcome(records=self._errors(task, f"检测主机 {self.host} 故障（不归咎于设备）：{e}"),
                               run_tar=b"", host=self.host, worker=self.address)
        if task.stand_in_reason is not None:
            session.stand_in_for(task.cell, task.stand_in_reason)
        records = list(session.run_cell(scenario, task.cell).values())
        for record in records:
            record["run"]["host"] = self.host
        ran = any(r["run"].get("id") for r in records)
        set_aside = None if ran else session.quarantined(task.cell.id)
        folder = RunPaths.for_cell(session.sweep_dir, scenario.id, task.cell.id).root
        run_tar = b""
        if task.store is None:
            run_tar = pack(folder)
        elif folder.is_dir():
            records, run_tar = self._to_store(task, task.store, folder, records)
        shutil.rmtree(folder, ignore_errors=True)  # it went to the store or travels back: this host keeps no copy
        return CellOutcome(records=records, run_tar=run_tar, host=self.host, worker=self.address,
                           device_set_aside=set_aside)

    def _to_store(self, task: CellTask, store: RunStore, folder: Path,
                  records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bytes]:
        """The run folder written to the sweep's store, its records saying where; when the store cannot take it,
        the cell is an error saying so and the folder travels back as a tar instead (nothing of the run lost)."""
        cell = f"{task.bundle.scenario.id}@{task.cell.id}"
        stored = [{**r, "run": {**r["run"], "store": store.cell_url(task.sweep_id, cell)}} for r in records]
        try:
            write_cell(folder, stored)  # the store's copy of the cell's results says where it is, and whose host
            store.put_folder(folder, task.sweep_id, cell)
        except Exception as e:  # whatever the filesystem raises: the cell has no run folder anywhere it can be read
            why = store.scrub(f"{type(e).__name__}: {e}")
            log.error("cell %s: the store %s cannot take its run folder: %s", cell, store.shown, why)
            write_cell(folder, records)
            summary = (f"检测主机 {self.host} 无法把运行文件夹写入共享存储 {store.shown}（{why}）；"
                       "运行文件夹已随结果带回扫描文件夹")
            return self._errors(task, summary), pack(folder)
        return stored, b""

    def _errors(self, task: CellTask, summary: str) -> list[dict[str, Any]]:
        """The cell's records as `error` with `summary`, one per check of its platform."""
        scenario = task.bundle.scenario
        cell_dir = f"runs/{scenario.id}@{task.cell.id}"
        records = [missing_record(scenario.id, scenario.name, task.cell.id, scenario.platform, check, "error",
                                  summary, cell_dir) for check in checks_for(scenario.platform)]
        for record in records:
            record["run"]["host"] = self.host
        return records

    def close_sweep(self, sweep_id: str, device_id: str) -> None:
        with self._lock:
            held = self._sessions.get(device_id)
            if held is not None and held[0] == sweep_id:
                self._close(device_id)

    def close_all(self) -> None:
        with self._lock:
            for device_id in list(self._sessions):
                self._close(device_id)

    def _close(self, device_id: str) -> None:
        sweep_id, session = self._sessions.pop(device_id)
        try:
            session.close()
        except Exception as e:  # one device failing to restore must not keep the others open
            log.error("closing %s of sweep %s failed: %s", device_id, sweep_id, e)
        if not any(s == sweep_id for s, _ in self._sessions.values()):  # its last device here
            remove_ca(self._sweep_dir(sweep_id))  # the sweep's capture CA key goes
            shutil.rmtree(self._sweep_dir(sweep_id), ignore_errors=True)  # its run folders went back already


def _plugin() -> FingertipWorker:
    plugin = get_worker().plugins.get(PLUGIN)
    if not isinstance(plugin, FingertipWorker):
        raise RuntimeError(f"{get_worker().address} is not a fingertip worker (start it with `fingertip worker`)")
    return plugin


def run_cell(task: CellTask, contents: Mapping[str, bytes] | None = None) -> None:
    """The engine's task: one cell, on the device whose resource it holds. `contents`: the scenario's files by
    sha256, results of package tasks on this worker (see `package`). The outcome goes to the scheduler over this
    worker's own connection (`publish`), not as the task's result: nobody needs to reach this worker for it."""
    publish(_plugin().run(task, contents))


def package(content: bytes) -> bytes:
    """The engine's task bringing a scenario's file to this worker: its content travels in the task itself, over
    the stream this worker opened to the scheduler; the cells here that need it depend on it (checked against
    its sha256 before it is used)."""
    return content


def publish(outcome: CellOutcome) -> None:
    """The cell's outcome into the scheduler's metadata under the running task's key, before the task ends (the
    submitting sweep reads it once the task is finished). Not for a task the engine has already let go of (its
    sweep gone): nobody would read it, nor drop it."""
    worker = get_worker()
    key = worker.get_current_task()
    state = worker.state.tasks.get(key)
    if state is None or state.state not in ("executing", "long-running"):
        log.warning("cell task %s was let go of: its outcome is not sent", key)
        return
    sync(worker.loop, worker.scheduler.set_metadata, keys=[key, OUTCOME], value=pickle.dumps(outcome),
         callback_timeout=PUBLISH_TIMEOUT_S)


def close_sweep(sweep_id: str, device_id: str) -> None:
    """The engine's task at a sweep's end, queued behind the device's cells: its session closes."""
    _plugin().close_sweep(sweep_id, device_id)


async def start_worker(scheduler: str, farm: Farm, work_dir: Path, *, name: str | None = None,
                       listen: str | None = None, contact: str | None = None,
                       security: Security | None = None) -> Worker:
    """A started worker on the running event loop, its farm announced to the scheduler. `name`: this host's name
    in reports and on the engine (default: the machine's host name; the engine refuses a second worker of the
    same name). `listen`: host or host:port of the port Dask's worker opens (default: the interface that reaches
    the scheduler); `contact`: the address it is known by on the engine (default: that one). A sweep connects
    to neither."""
    plugin = FingertipWorker(farm, work_dir, name)
    listen_host, _, listen_port = (listen or "").rpartition(":") if ":" in (listen or "") else (listen, "", "")
    # One thread per device for its cells, one more for package tasks (never queued behind a device's cell).
    worker = Worker(scheduler, nthreads=len(farm.devices) + 1, resources=resources_for(farm),
                    name=plugin.host, plugins=(plugin,), security=security, contact_address=contact,
                    host=listen_host or None, port=int(listen_port) if listen_port else None,
                    local_directory=str(work_dir / "dask"), dashboard=False, memory_limit=0)
    await worker
    try:
        await worker.scheduler.set_metadata(keys=[FARMS, worker.address], value=plugin.describe().model_dump_json())
    except BaseException:  # a worker no sweep would find: stopped, not left running
        await worker.close(executor_wait=False, reason="fingertip worker could not announce its farm")
        raise
    return worker


async def serve_worker(scheduler: str, farm: Farm, work_dir: Path, **kwargs: Any) -> None:
    """`fingertip worker` until Ctrl-C / SIGTERM or the scheduler closes it; its devices restored on the way out."""
    worker = await start_worker(scheduler, farm, work_dir, **kwargs)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"fingertip worker {worker.name} at {worker.address}: devices "
          f"{', '.join(d.id for d in farm.devices)} → scheduler {scheduler}", flush=True)
    finished = asyncio.ensure_future(worker.finished())
    await asyncio.wait([finished, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    await worker.close(executor_wait=False, reason="fingertip worker stopped")
