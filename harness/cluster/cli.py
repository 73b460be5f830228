"""`fingertip scheduler`, `fingertip worker` and the `--cluster` half of `fingertip sweep`: thin, over Dask."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.config.farm import load_farm
from harness.config.scenario import Scenario
from harness.errors import ConfigError

EXIT_USAGE, EXIT_INFRA = 2, 3


def add_tls_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("TLS between scheduler, workers and the sweep (all three, or none)")
    group.add_argument("--tls-ca", metavar="PEM", help="the lab's CA certificate: peers must be signed by it")
    group.add_argument("--tls-cert", metavar="PEM", help="this process's certificate (signed by the CA)")
    group.add_argument("--tls-key", metavar="PEM", help="its private key")


def security_from(args: argparse.Namespace) -> Any:
    """Dask's Security for mutual TLS, or None when no certificate is given; ConfigError for half a set."""
    given = {"--tls-ca": args.tls_ca, "--tls-cert": args.tls_cert, "--tls-key": args.tls_key}
    if not any(given.values()):
        return None
    for option, value in given.items():
        if not value:
            raise ConfigError(option, None, "TLS needs --tls-ca, --tls-cert and --tls-key together")
        if not Path(value).is_file():
            raise ConfigError(value, None, f"{option}: no such file")
    from distributed.security import Security

    ca, cert, key = args.tls_ca, args.tls_cert, args.tls_key
    return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, tls_scheduler_cert=cert,
                    tls_scheduler_key=key, tls_worker_cert=cert, tls_worker_key=key, require_encryption=True)


def engine_address(address: str, security: Any) -> str:
    """A bare host:port gets the protocol the security calls for (tls:// with certificates); ConfigError for a
    tls:// address without them."""
    if address.startswith("tls://") and security is None:
        raise ConfigError(address, None, "a tls:// scheduler needs --tls-ca, --tls-cert and --tls-key")
    if "://" in address:
        return address
    return ("tls://" if security is not None else "tcp://") + address


def cmd_scheduler(args: argparse.Namespace) -> int:
    try:
        security = security_from(args)
    except ConfigError as e:
        print(f"scheduler: {e}")
        return EXIT_USAGE

    async def serve() -> None:
        from distributed import Scheduler

        dashboard = {"dashboard": True, "dashboard_address": args.dashboard} if args.dashboard else {
            "dashboard": False, "dashboard_address": None}
        async with Scheduler(host=args.host, port=args.port, security=security,
                             protocol="tls" if security else "tcp", **dashboard) as scheduler:
            print(f"fingertip scheduler at {scheduler.address} (workers: fingertip worker --scheduler "
                  f"{scheduler.address})", flush=True)
            await _until_stopped(scheduler.finished())

    asyncio.run(serve())
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from harness.cluster.worker import DEFAULT_WORK_DIR, serve_worker

    try:
        security = security_from(args)
        address = engine_address(args.scheduler, security)
        contact = engine_address(args.contact_address, security) if args.contact_address else None
        farm = load_farm(args.farm)
    except ConfigError as e:
        print(f"worker: {e}")
        return EXIT_USAGE
    work_dir = Path(args.work).resolve() if args.work else DEFAULT_WORK_DIR
    asyncio.run(serve_worker(address, farm, work_dir, name=args.name, listen=args.listen, contact=contact,
                             security=security))
    return 0


async def _until_stopped(finished: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.wait([asyncio.ensure_future(finished), asyncio.ensure_future(stop.wait())],
                       return_when=asyncio.FIRST_COMPLETED)


def add_verbs(verbs: Any) -> None:
    scheduler = verbs.add_parser("scheduler", help="start the engine's scheduler for multi-host sweeps (Dask)")
    scheduler.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1 only)")
    scheduler.add_argument("--port", type=int, default=8786)
    scheduler.add_argument("--dashboard", metavar="HOST:PORT",
                           help="also serve Dask's dashboard there (needs bokeh; off by default)")
    add_tls_options(scheduler)
    scheduler.set_defaults(func=cmd_scheduler)
    worker = verbs.add_parser("worker", help="offer this host's devices to a scheduler and run cells on them")
    worker.add_argument("--scheduler", required=True, metavar="ADDRESS", help="e.g. tcp://10.1.2.3:8786")
    worker.add_argument("--farm", default="device_farm.yaml", help="this host's devices")
    worker.add_argument("--work", metavar="DIR", help="run folders before they go back (default: "
                                                      "~/.cache/fingertip/worker)")
    worker.add_argument("--listen", metavar="HOST[:PORT]",
                        help="where Dask's worker opens its port (default: the interface facing the scheduler); a "
                             "sweep needs no connection to it")
    worker.add_argument("--contact-address", metavar="ADDRESS",
                        help="the address this worker is known by on the engine (default: where it listens), e.g. "
                             "one behind NAT; a sweep never connects to it")
    worker.add_argument("--name", help="this host's name in reports and on the engine (default: the machine's "
                                       "host name; one worker per name)")
    add_tls_options(worker)
    worker.set_defaults(func=cmd_worker)


def add_sweep_options(sweep: argparse.ArgumentParser) -> None:
    sweep.add_argument("--cluster", metavar="ADDRESS",
                       help="sweep on the workers of this scheduler (the farm: their devices; --farm unused)")
    sweep.add_argument("--store", metavar="URL",
                       help="with --cluster: workers write run folders to URL/<sweep>/<app>@<device>/ themselves — a "
                            "folder every host sees (path or file://) or an fsspec URL (s3://, gs://, …; credentials "
                            "from each host's environment or fsspec config)")
    add_tls_options(sweep)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI timeout) takes the Ctrl-C path: the finished cells' reports are still written."""
    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def sweep_on_cluster(args: argparse.Namespace, scenarios: list[Scenario], sweep_dir: Path,
                     console: Console) -> int | None:
    """The sweep on the engine, its reports written; an exit code when it could not run or was interrupted,
    None when the caller reads results.json as for a local sweep."""
    from distributed import Client

    from harness.cluster.store import check_writable, parse_store
    from harness.cluster.submit import ClusterSweep, discover
    from harness.reports.sweep import write_reports

    where = f"--cluster {args.cluster}"
    if args.workers:
        console.print(f"[red]-n {args.workers} and {where}: choose one (a cluster's parallelism is its devices)[/red]")
        return EXIT_USAGE
    try:
        security = security_from(args)
        address = engine_address(args.cluster, security)
        store = parse_store(args.store) if args.store is not None else None
        if store is not None:
            check_writable(store, sweep_dir.name)  # before any cell runs
    except ConfigError as e:
        console.print(f"[red]配置错误[/red] {escape(str(e))}")
        return EXIT_USAGE
    try:
        # the default client while the sweep runs: distributed.wait() finds it there
        client = Client(address, timeout="15s", security=security)
    except (OSError, TimeoutError) as e:
        console.print(f"[red]{where}: no scheduler answered there ({type(e).__name__}: {e})[/red]")
        return EXIT_USAGE
    interrupted = False
    with client:
        try:
            farms = discover(client, where)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                bar = progress.add_task("sweep", total=None)
                sweep = ClusterSweep(client, farms, sweep_dir, masked=not args.no_redact, retries=args.retries,
                                     resume=bool(args.resume), store=store,
                                     on_cell=lambda cell, records: progress.update(bar, advance=1, description=cell))
                jobs, kept = sweep.cells(scenarios)
                progress.update(bar, total=len(jobs))
                hosts = ", ".join(f"{f.host}（{len(f.devices)}）" for f in farms)
                console.print(f"指尖 Fingertip: {len(scenarios)} apps × {len(sweep.farm.devices)} devices on {hosts} "
                              f"→ {sweep_dir}" + (f"（续跑，保留 {kept} 个已完成单元）" if args.resume else ""))
                if store is not None:
                    console.print(f"运行文件夹 → {escape(store.shown)}/{sweep_dir.name}/", soft_wrap=True)
                with _sigterm_interrupts():
                    sweep.run(jobs)
        except ConfigError as e:
            console.print(f"[red]配置错误[/red] {e}")
            return EXIT_USAGE
        except KeyboardInterrupt:
            interrupted = True
    if (sweep_dir / "runs").is_dir():
        write_reports(sweep_dir)
    if interrupted:
        console.print(f"[yellow]中断：已完成的单元已写入 {sweep_dir}；"
                      "fingertip sweep --cluster … --resume 继续[/yellow]")
        return EXIT_INFRA
    return None
