"""Multi-host sweeps: a real scheduler and `fingertip worker` processes on 127.0.0.1, each owning its own web
device (a fake replaying the samples' recorded runs: tests/fakes/cluster_worker.py), swept from this process
through `fingertip sweep --cluster`. Every wait is on a condition with a deadline."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from harness import session as session_module
from harness.cli import main
from harness.cluster.cli import security_from
from harness.cluster.contract import WorkerFarm, bundle_scenario
from harness.cluster.submit import farms_of
from harness.cluster.transfer import pack, unpack
from harness.cluster.worker import package, resources_for
from harness.config.farm import Farm, WebDeviceSpec
from harness.config.scenario import load_scenario
from harness.devices import registry
from harness.errors import ConfigError
from harness.session import SweepSession
from tests.fakes import cluster_worker

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ("id: {id}\nname: {id} 应用\nplatform: web\nentry: http://app.{id}.test/\n"
            "hosts:\n  app.{id}.test: [127.0.0.1]\n")
DEADLINE_S = 60.0


def until(condition: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def farm_file(folder: Path, device: str, labels: list[str] | None = None) -> Path:
    path = folder / f"farm-{device}.yaml"
    path.write_text(f"devices:\n  - id: {device}\n    kind: web\n    labels: {json.dumps(labels or ['os:web'])}\n",
                    encoding="utf-8")
    return path


class Process:
    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self.handle = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=log.open("wb"),
                                       stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    def wait_for(self, pattern: str) -> re.Match[str]:
        def seen() -> re.Match[str] | None:
            if self.handle.poll() is not None:
                raise AssertionError(f"{self.log.name} exited: {self.log.read_text(errors='replace')[-2000:]}")
            return re.search(pattern, self.log.read_text(errors="replace"))
        return until(seen, f"{pattern!r} in {self.log.name}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.handle.poll() is None:
            self.handle.send_signal(sig)
        self.handle.wait(timeout=30)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Process]]:
    folder = tmp_path_factory.mktemp("scheduler")
    process = Process(["-m", "harness.cli", "scheduler", "--port", "0"], folder / "scheduler.log")
    address = process.wait_for(r"fingertip scheduler at (tcp://\S+)").group(1)
    yield address, process
    process.stop()


@pytest.fixture
def workers(scheduler: tuple[str, Process], tmp_path: Path) -> Iterator[Callable[..., Process]]:
    started: list[Process] = []

    def start(name: str, device: str, labels: list[str] | None = None, args: tuple[str, ...] = (),
              **env: str) -> Process:
        process = Process(["-m", "tests.fakes.cluster_worker", "--scheduler", scheduler[0], "--farm",
                           str(farm_file(tmp_path, device, labels)), "--work", str(tmp_path / f"work-{name}"),
                           "--name", name, *args], tmp_path / f"worker-{name}.log",
                          {"FINGERTIP_FAKE_LOG": str(tmp_path / "runs.log"), **env})
        started.append(process)
        process.wait_for(f"fingertip worker {name} at")
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for app in ("good", "bad"):
        (folder / f"{app}.yaml").write_text(SCENARIO.format(id=app), encoding="utf-8")
    return folder


def runs_started(tmp_path: Path) -> list[str]:
    log = tmp_path / "runs.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def records_of(sweep_dir: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    records = json.loads((sweep_dir / "results.json").read_text(encoding="utf-8"))
    return {(r["app"], r["device"], r["article"]): r for r in records}


def sweep_in_thread(args: list[str]) -> tuple[threading.Thread, list[int]]:
    code: list[int] = []
    thread = threading.Thread(target=lambda: code.append(main(args)), daemon=True)
    thread.start()
    return thread, code


def test_scheduler_listens_only_on_loopback(scheduler: tuple[str, Process]) -> None:
    listening = [c.laddr for c in psutil.Process(scheduler[1].handle.pid).net_connections("inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and {address.ip for address in listening} == {"127.0.0.1"}


def test_cluster_sweep_gives_a_local_sweeps_verdicts(
        scheduler: tuple[str, Process], workers: Callable[..., Process], scenarios: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    workers("host-a", "web-a")
    workers("host-b", "web-b")
    out = tmp_path / "out"
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out)]) == 0
    cluster = records_of(out / "latest")
    # The same cells swept locally, through the same session and fakes.
    monkeypatch.setattr(session_module, "execute_run", cluster_worker.fake_execute_run)
    monkeypatch.setitem(registry.BACKENDS, "web", registry.BACKENDS["web"].__class__(
        **{**registry.BACKENDS["web"].__dict__, "factory": cluster_worker.FakeDevice}))
    specs = (WebDeviceSpec(id="web-a", labels=["os:web"]), WebDeviceSpec(id="web-b", labels=["os:web"]))
    local = SweepSession(Farm(path=tmp_path / "farm.yaml", devices=specs), tmp_path / "local" / "s1", "s1",
                         tmp_path / "local" / ".leases")
    expected = {(r["app"], r["device"], r["article"]): r["verdict"]
                for app in ("good", "bad") for spec in specs
                for r in local.run_cell(load_scenario(scenarios / f"{app}.yaml"), spec).values()}
    local.close()
    assert {cell: r["verdict"] for cell, r in cluster.items()} == expected
    assert {r["run"]["host"] for (_, device, _), r in cluster.items() if device == "web-a"} == {"host-a"}
    assert {r["run"]["host"] for (_, device, _), r in cluster.items() if device == "web-b"} == {"host-b"}
    for cell in ("good@web-a", "bad@web-b"):  # the run folders came back with their files and pages
        folder = out / "latest" / "runs" / cell
        assert (folder / "video.mp4").read_bytes().startswith(b"fake video of " + cell.encode())
        assert (folder / "observations.json").is_file() and (folder / "index.html").is_file()
    assert (out / "latest" / "junit.xml").is_file() and (out / "latest" / "index.html").is_file()


def test_a_worker_lost_mid_sweep_hands_its_cells_to_an_equivalent_device(
        scheduler: tuple[str, Process], workers: Callable[..., Process], scenarios: Path, tmp_path: Path) -> None:
    workers("host-a", "web-a")
    victim = workers("host-b", "web-b", FINGERTIP_FAKE_HOLD_AFTER="1")  # finishes one cell, hangs on the next
    out = tmp_path / "out"
    thread, code = sweep_in_thread(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios),
                                    "--out", str(out)])
    finished_on_b = until(lambda: list(out.glob("*/runs/*@web-b/results.json")), "host-b's first cell written")
    until(lambda: sum(" on web-b" in line for line in runs_started(tmp_path)) == 2, "host-b's second cell started")
    victim.stop(signal.SIGKILL)
    thread.join(DEADLINE_S)
    assert code == [0]
    records = records_of(out / "latest")
    assert len(records) == 4 * 7 and not [r for r in records.values() if r["verdict"] == "error"]
    kept = finished_on_b[0].parent.name.split("@")[0]
    moved = ({"good", "bad"} - {kept}).pop()
    assert {r["run"]["host"] for (app, d, _), r in records.items() if (app, d) == (kept, "web-b")} == {"host-b"}
    assert all("ran_on" not in r["run"] for (app, d, _), r in records.items() if (app, d) == (kept, "web-b"))
    stood_in = [r for (app, d, _), r in records.items() if (app, d) == (moved, "web-b")]
    assert {(r["run"]["ran_on"], r["run"]["host"]) for r in stood_in} == {("web-a", "host-a")}
    assert f"{moved}@web-b on web-a" in runs_started(tmp_path)


def test_a_lost_host_without_an_equivalent_is_an_error_naming_it_and_resume_runs_only_those(
        scheduler: tuple[str, Process], workers: Callable[..., Process], scenarios: Path, tmp_path: Path) -> None:
    workers("host-a", "web-a", ["os:web-a"])
    victim = workers("host-b", "web-b", ["os:web-b"], FINGERTIP_FAKE_HOLD_AFTER="0")
    out = tmp_path / "out"
    thread, code = sweep_in_thread(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios),
                                    "--out", str(out)])
    until(lambda: any(" on web-b" in line for line in runs_started(tmp_path)), "host-b's first cell started")
    victim.stop(signal.SIGKILL)
    thread.join(DEADLINE_S)
    assert code == [3]  # cells in error
    records = records_of(out / "latest")
    lost = [r for (_, device, _), r in records.items() if device == "web-b"]
    assert lost and {r["verdict"] for r in lost} == {"error"}
    assert all("host-b" in r["summary"] and "失联" in r["summary"] for r in lost)
    assert all(r["verdict"] != "error" for (_, device, _), r in records.items() if device == "web-a")
    ran_before = runs_started(tmp_path)
    workers("host-b", "web-b", ["os:web-b"])  # the host is back
    sweep_dir = (out / "latest").resolve()
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out),
                 "--resume", str(sweep_dir)]) == 0
    ran_again = runs_started(tmp_path)[len(ran_before):]
    assert sorted(ran_again) == ["bad@web-b on web-b", "good@web-b on web-b"]  # web-a's finished cells kept
    resumed = records_of(sweep_dir)
    assert not [r for r in resumed.values() if r["verdict"] == "error"] and len(resumed) == len(records)


def test_resume_after_the_submitting_process_was_killed_runs_only_unfinished_cells(
        scheduler: tuple[str, Process], workers: Callable[..., Process], scenarios: Path, tmp_path: Path) -> None:
    release = tmp_path / "release"
    workers("host-a", "web-a")
    workers("host-b", "web-b", FINGERTIP_FAKE_HOLD_AFTER="1", FINGERTIP_FAKE_RELEASE=str(release))
    out = tmp_path / "out"
    submitter = Process(["-m", "harness.cli", "sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios),
                         "--out", str(out)], tmp_path / "submitter.log")
    until(lambda: len(list(out.glob("*/runs/*@web-a/results.json"))) == 2
          and list(out.glob("*/runs/*@web-b/results.json")), "three cells written")
    until(lambda: sum(" on web-b" in line for line in runs_started(tmp_path)) == 2, "host-b's second cell started")
    submitter.stop(signal.SIGKILL)
    release.touch()  # the orphaned run ends on its host; its result has nobody to go to
    sweep_dir = next(out.glob("*/runs")).parent
    unfinished = {"good", "bad"} - {p.parent.name.split("@")[0] for p in sweep_dir.glob("runs/*@web-b/results.json")}
    ran_before = runs_started(tmp_path)
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out),
                 "--resume", str(sweep_dir)]) == 0
    assert runs_started(tmp_path)[len(ran_before):] == [f"{unfinished.pop()}@web-b on web-b"]
    records = records_of(sweep_dir)
    assert len(records) == 4 * 7 and not [r for r in records.values() if r["verdict"] == "error"]


def test_a_device_its_host_quarantines_hands_its_cells_to_an_equivalent_elsewhere(
        scheduler: tuple[str, Process], workers: Callable[..., Process], scenarios: Path, tmp_path: Path) -> None:
    workers("host-a", "web-a")
    workers("host-b", "web-b", FINGERTIP_FAKE_LOST="web-b")  # its browser is gone on every attempt
    out = tmp_path / "out"
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out)]) == 0
    records = records_of(out / "latest")
    on_b = [r for (_, device, _), r in records.items() if device == "web-b"]
    assert on_b and {(r["run"]["ran_on"], r["run"]["host"]) for r in on_b} == {("web-a", "host-a")}
    assert not [r for r in records.values() if r["verdict"] == "error"]


def test_with_certificates_the_engine_speaks_mutual_tls_only(
        tmp_path: Path, scenarios: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
            "-subj", "/CN=lab-ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=node")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
            "node.pem", "-days", "1")
    tls = ["--tls-ca", str(tmp_path / "ca.pem"), "--tls-cert", str(tmp_path / "node.pem"), "--tls-key",
           str(tmp_path / "node.key")]
    scheduler = Process(["-m", "harness.cli", "scheduler", "--port", "0", *tls], tmp_path / "scheduler.log")
    address = scheduler.wait_for(r"fingertip scheduler at (tls://\S+)").group(1)
    worker = Process(["-m", "tests.fakes.cluster_worker", "--scheduler", address, "--farm",
                      str(farm_file(tmp_path, "web-a")), "--work", str(tmp_path / "work"), "--name", "host-a", *tls],
                     tmp_path / "worker.log")
    try:
        worker.wait_for("fingertip worker host-a at tls://")
        out = tmp_path / "out"
        assert main(["sweep", "--cluster", address, "--scenarios", str(scenarios), "--out", str(out), *tls]) == 0
        assert len(records_of(out / "latest")) == 2 * 7
        assert main(["sweep", "--cluster", address, "--scenarios", str(scenarios), "--out", str(out)]) == 2
    finally:
        worker.stop()
        scheduler.stop()


def packages_sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[str, ...], int]]:
    """(the workers it is pinned to, its size) of each package task the sweep submits; scatter refused."""
    import distributed

    sent: list[tuple[tuple[str, ...], int]] = []
    submit = distributed.Client.submit

    def counted(self: distributed.Client, func: Any, *args: Any, **kwargs: Any) -> Any:
        if func is package:
            sent.append((tuple(kwargs.get("workers") or ()), len(args[0])))
        return submit(self, func, *args, **kwargs)

    def scatter(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a scatter connects to the workers")

    monkeypatch.setattr(distributed.Client, "submit", counted)
    monkeypatch.setattr(distributed.Client, "scatter", scatter)
    return sent


def scenarios_with_a_ca(tmp_path: Path, size: int = 300_000) -> tuple[Path, bytes]:
    """Two apps naming the same upstream CA file: one file for the sweep to send."""
    folder = tmp_path / "scenarios-ca"
    folder.mkdir()
    ca = os.urandom(size)
    (folder / "ca.pem").write_bytes(ca)
    for app in ("good", "bad"):
        (folder / f"{app}.yaml").write_text(SCENARIO.format(id=app) + "upstream_ca: ca.pem\n", encoding="utf-8")
    return folder, ca


def test_with_a_store_workers_write_run_folders_there_and_each_file_reaches_each_worker_once(
        scheduler: tuple[str, Process], workers: Callable[..., Process], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed
    import fsspec

    scattered = packages_sent(monkeypatch)
    workers("host-a", "web-a")
    workers("host-b", "web-b")
    scenarios, ca = scenarios_with_a_ca(tmp_path)
    store, out = tmp_path / "nfs store", tmp_path / "out"  # a space: the link is a file URL, %-encoded
    store.mkdir()
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out),
                 "--store", str(store)]) == 0
    sweep_dir = (out / "latest").resolve()
    cells = [f"{app}@{device}" for app in ("good", "bad") for device in ("web-a", "web-b")]
    for cell in cells:
        stored = store / sweep_dir.name / cell
        assert (stored / "video.mp4").read_bytes().startswith(b"fake video of " + cell.encode())
        assert {"observations.json", "index.html", "results.json"} <= {p.name for p in stored.iterdir()}
        assert [p.name for p in (sweep_dir / "runs" / cell).iterdir()] == ["results.json"]  # no tar came back
    records = records_of(sweep_dir)
    assert len(records) == 4 * 7 and not [r for r in records.values() if r["verdict"] == "error"]
    for (app, device, _), record in records.items():
        assert record["run"]["store"] == f"{store.as_uri()}/{sweep_dir.name}/{app}@{device}"
        assert record["run"]["dir"] == f"runs/{app}@{device}"  # the sweep folder's fields are as before
    index = (sweep_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="{store.as_uri()}/{sweep_dir.name}/good@web-a/index.html"' in index
    assert "nfs%20store" in index and not list(store.glob("*/.fingertip-probe-*"))
    # The CA both apps name went to each worker once, not with each of the four cells.
    assert sorted(len(w) for w, _ in scattered) == [1, 1] and len({w for w, _ in scattered}) == 2
    assert sum(size for _, size in scattered) == 2 * len(ca)
    for host in ("host-a", "host-b"):
        staged = list((tmp_path / f"work-{host}" / "scenarios").glob("*/upstream-ca.pem"))
        assert len(staged) == 2 and {p.read_bytes() for p in staged} == {ca}  # one per app's bundle
    # An object store (memory:// here: each worker's own memory) gets the folders; the report links there.
    scattered.clear()
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out),
                 "--store", "memory://lab/runs"]) == 0
    second = (out / "latest").resolve()
    records = records_of(second)
    assert {r["run"]["store"] for r in records.values()} == {f"memory://lab/runs/{second.name}/{c}" for c in cells}
    assert f'href="memory://lab/runs/{second.name}/bad@web-b/index.html"' in (second / "index.html").read_text()
    assert all([p.name for p in (second / "runs" / cell).iterdir()] == ["results.json"] for cell in cells)
    with distributed.Client(scheduler[0], timeout="15s") as client:
        held = client.run(lambda: sorted(fsspec.filesystem("memory").find(f"/lab/runs/{second.name}")))
    videos = sorted(path.split("/")[-2] for files in held.values() for path in files if path.endswith("video.mp4"))
    assert videos == sorted(cells) and len(scattered) == 2


@pytest.fixture
def refused_address() -> Iterator[Callable[[], str]]:
    """Addresses on 127.0.0.1 where connecting is refused: ports bound and never listened on (so no worker
    process binds them either) until the test ends."""
    held: list[socket.socket] = []

    def address() -> str:
        held.append(socket.socket())
        held[-1].bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{held[-1].getsockname()[1]}"

    yield address
    for probe in held:
        probe.close()


def test_workers_nobody_can_connect_to_still_sweep(
        scheduler: tuple[str, Process], workers: Callable[..., Process], refused_address: Callable[[], str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker is known by a contact address where connecting is refused: the farms, the packages, the
    outcomes and run folders, the sessions' closing all travel over the connections the workers opened."""
    sent = packages_sent(monkeypatch)
    unreachable = {"host-a": refused_address(), "host-b": refused_address()}
    for name, device, env in (("host-a", "web-a", {}), ("host-b", "web-b", {"FINGERTIP_FAKE_LOST": "web-b"})):
        worker = workers(name, device, args=("--contact-address", unreachable[name]), **env)
        worker.wait_for(f"fingertip worker {name} at {unreachable[name]}:")
    scenarios, ca = scenarios_with_a_ca(tmp_path, 100_000)
    out = tmp_path / "out"
    assert main(["sweep", "--cluster", scheduler[0], "--scenarios", str(scenarios), "--out", str(out)]) == 0
    records = records_of(out / "latest")
    assert len(records) == 4 * 7 and not [r for r in records.values() if r["verdict"] == "error"]
    assert {r["run"]["host"] for r in records.values()} == {"host-a"}  # web-b's cells stood in on web-a
    for cell in ("good@web-a", "bad@web-b"):  # the run folders came back with their files and pages
        folder = out / "latest" / "runs" / cell
        assert (folder / "video.mp4").read_bytes().startswith(b"fake video of ")
        assert (folder / "observations.json").is_file() and (folder / "index.html").is_file()
    # The CA went to each worker once, in a task pinned to its (unreachable) address: no scatter.
    assert sorted(sent) == sorted(((address,), len(ca)) for address in unreachable.values())
    staged = list((tmp_path / "work-host-a" / "scenarios").glob("*/upstream-ca.pem"))
    assert len(staged) == 2 and {p.read_bytes() for p in staged} == {ca}
    sweep_id = (out / "latest").resolve().name
    assert (tmp_path / "work-host-a" / "sweeps" / ".leases").is_dir()  # it kept sessions there …
    assert not (tmp_path / "work-host-a" / "sweeps" / sweep_id).exists()  # … closed at the end (folder removed)
    import distributed

    with distributed.Client(scheduler[0], timeout="15s") as client:  # the outcomes left the scheduler's metadata
        assert not [key for key in client.get_metadata([]) if sweep_id in str(key)]


# ── the pieces, without an engine ─────────────────────────────────────────────────────────────────────────────


def test_discover_refuses_a_device_id_on_two_workers_and_ignores_workers_gone() -> None:
    phone = WebDeviceSpec(id="web-phone")
    farms = [WorkerFarm(address="tcp://10.0.0.1:1", host="lab-1", devices=(phone,)),
             WorkerFarm(address="tcp://10.0.0.2:1", host="lab-2", devices=(phone,))]
    announced = {farm.address: farm.model_dump_json() for farm in farms}
    with pytest.raises(ConfigError, match=r"'web-phone' is on two workers: lab-1 .* lab-2"):
        farms_of(announced, {"tcp://10.0.0.1:1", "tcp://10.0.0.2:1"}, "--cluster x")
    assert farms_of(announced, {"tcp://10.0.0.2:1", "tcp://10.0.0.3:1"}, "--cluster x") == [farms[1]]
    with pytest.raises(ConfigError, match="no fingertip worker is connected"):
        farms_of(announced, {"tcp://10.0.0.3:1"}, "--cluster x")  # a plain Dask worker announces no farm


def test_resources_name_each_device_and_count_kinds_and_labels() -> None:
    farm = Farm(path=Path("farm.yaml"), devices=(WebDeviceSpec(id="a", labels=["os:web"]),
                                                  WebDeviceSpec(id="b", labels=["os:web"])))
    assert resources_for(farm) == {"device:a": 1, "device:b": 1, "kind:web": 2, "label:os:web": 2}


def test_a_run_folder_travels_as_tar_and_nothing_lands_outside_the_cell(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "screens").mkdir(parents=True)
    (source / "screens" / "1.png").write_bytes(b"png")
    unpack(pack(source), tmp_path / "sweep" / "runs" / "app@dev")
    assert (tmp_path / "sweep" / "runs" / "app@dev" / "screens" / "1.png").read_bytes() == b"png"
    hostile = io.BytesIO()
    with tarfile.open(fileobj=hostile, mode="w") as tar:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(tarfile.TarError):
        unpack(hostile.getvalue(), tmp_path / "sweep" / "runs" / "evil@dev")
    assert not (tmp_path / "sweep" / "escaped.txt").exists()


def test_a_scenario_serving_code_outside_the_project_is_refused_for_a_cluster(tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "app.py").write_text("", encoding="utf-8")
    (tmp_path / "app.yaml").write_text(SCENARIO.format(id="app") + "serve: backend\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="outside the project"):
        bundle_scenario(load_scenario(tmp_path / "app.yaml", allow_serve_anywhere=True))
    sample, contents = bundle_scenario(load_scenario(ROOT / "scenarios" / "ebantong.yaml"))
    assert sample.serve == "samples/ebantong" and sample.files == {} and contents == {}


def test_tls_needs_the_whole_set(tmp_path: Path) -> None:
    import argparse

    (tmp_path / "ca.pem").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="--tls-cert"):
        security_from(argparse.Namespace(tls_ca=str(tmp_path / "ca.pem"), tls_cert=None, tls_key=None))
    assert security_from(argparse.Namespace(tls_ca=None, tls_cert=None, tls_key=None)) is None


def test_a_bad_store_is_refused_before_any_cell_runs(
        tmp_path: Path, scenarios: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def sweep(*store: str, cluster: bool = True) -> int:
        return main(["sweep", *(["--cluster", "tcp://127.0.0.1:9"] if cluster else []), "--scenarios",
                     str(scenarios), "--out", str(tmp_path / "out"), *store])

    assert sweep("--store", "nosuch://someone:SECRET@bucket/runs") == 2
    said = capsys.readouterr().out
    assert "--store" in said and "unknown protocol nosuch://" in said and "***@bucket" in said
    assert "SECRET" not in said
    assert sweep("--store", str(tmp_path / "not mounted")) == 2
    assert "no such folder" in capsys.readouterr().out
    assert sweep("--store", "file://relative/runs") == 2
    assert sweep("--store", "memory://lab?key=SECRET") == 2
    assert "SECRET" not in capsys.readouterr().out
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    assert sweep("--store", (tmp_path / "a-file").as_uri()) == 2
    assert sweep("--store", "memory://lab/runs", cluster=False) == 2
    assert not (tmp_path / "out").exists()


def test_a_store_takes_only_regular_files_under_the_cells_prefix(tmp_path: Path) -> None:
    import fsspec

    from harness.cluster.store import inside, masked, parse_store, segment

    folder = tmp_path / "run"
    (folder / "screens").mkdir(parents=True)
    (folder / "screens" / "1.png").write_bytes(b"png")
    (folder / "observations.json").write_text("{}", encoding="utf-8")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    os.mkfifo(folder / "pipe")
    store = parse_store("memory://unit-store/runs")
    memory = fsspec.filesystem("memory")
    try:
        memory.pipe_file("/unit-store/runs/s1/app@dev/stale.txt", b"from an earlier attempt")
        assert store.put_folder(folder, "s1", "app@dev") == 2
        assert sorted(memory.find("/unit-store")) == ["/unit-store/runs/s1/app@dev/observations.json",
                                                      "/unit-store/runs/s1/app@dev/screens/1.png"]
    finally:
        memory.rm("/unit-store", recursive=True)
    for name in ("..", "a/b", "", "../x"):
        with pytest.raises(ValueError):
            segment(name)
    for relative in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            inside(relative)
    assert masked("s3://KEY:SECRET@bucket/runs") == "s3://***@bucket/runs"
    assert parse_store(str(tmp_path / "a b")).url == (tmp_path / "a b").as_uri()
    assert parse_store("file://localhost" + str(tmp_path)).url == tmp_path.as_uri()


def test_a_worker_checks_each_file_and_reports_a_store_it_cannot_write_as_the_cells_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec

    from harness.cluster.contract import CellTask
    from harness.cluster.store import RunStore
    from harness.cluster.worker import FingertipWorker

    monkeypatch.setattr(session_module, "execute_run", cluster_worker.fake_execute_run)
    monkeypatch.setitem(registry.BACKENDS, "web", registry.BACKENDS["web"].__class__(
        **{**registry.BACKENDS["web"].__dict__, "factory": cluster_worker.FakeDevice}))
    scenarios, ca = scenarios_with_a_ca(tmp_path, 100_000)
    bundle, contents = bundle_scenario(load_scenario(scenarios / "good.yaml"))
    assert bundle.files == {"upstream-ca.pem": hashlib.sha256(ca).hexdigest()} and contents == {
        bundle.files["upstream-ca.pem"]: ca}
    assert len(pickle.dumps(bundle)) < len(ca)  # the file's content is not in what a cell carries
    spec = WebDeviceSpec(id="web-a", labels=["os:web"])
    worker = FingertipWorker(Farm(path=tmp_path / "farm.yaml", devices=(spec,)), tmp_path / "work", "host-x")

    def cell(sweep_id: str, store: RunStore | None, given: dict[str, bytes]) -> Any:
        return worker.run(CellTask(sweep_id=sweep_id, bundle=bundle, cell=spec, run_on="web-a", store=store), given)

    try:
        tampered = cell("s0", None, {digest: b"not the CA" for digest in contents})
        assert {r["verdict"] for r in tampered.records} == {"error"}
        assert all("not the file the sweep sent" in r["summary"] for r in tampered.records)
        assert not list((tmp_path / "work" / "scenarios").glob("*/upstream-ca.pem"))
        (tmp_path / "a-file").write_text("", encoding="utf-8")
        refused = cell("s1", RunStore(url=(tmp_path / "a-file").as_uri()), contents)
        assert {r["verdict"] for r in refused.records} == {"error"} and refused.run_tar
        assert all("host-x" in r["summary"] and "共享存储" in r["summary"] and "a-file" in r["summary"]
                   for r in refused.records)
        unpack(refused.run_tar, tmp_path / "back")  # the run itself is not lost: it came back as a tar
        assert (tmp_path / "back" / "video.mp4").is_file() and (tmp_path / "back" / "observations.json").is_file()
        stored = cell("s2", RunStore(url="memory://unit-worker"), contents)
        assert stored.run_tar == b"" and {r["verdict"] for r in stored.records} != {"error"}
        assert {r["run"]["store"] for r in stored.records} == {"memory://unit-worker/s2/good@web-a"}
        assert fsspec.filesystem("memory").cat_file("/unit-worker/s2/good@web-a/video.mp4").startswith(b"fake")
    finally:
        worker.close_all()
        fsspec.filesystem("memory").rm("/unit-worker", recursive=True)
