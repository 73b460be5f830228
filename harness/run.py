"""One run of one app on one device: prepare, observe while it runs, restore, and save Observations.

Every resource is a context manager entered in order and left in reverse, so the device is
restored and the proxy stopped whatever happens; whatever was recorded up to a failure is kept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.capture.ca import ca_dir
from harness.capture.complaint_gate import ComplaintGate
from harness.capture.proxy import CaptureProxy, ca_spki_hash
from harness.config.scenario import Scenario
from harness.devices.common.crash import CRASHES_FILE, read_crashes
from harness.devices.protocol import Device, RunSetup, VideoInfo
from harness.errors import FingertipError
from harness.evidence.canaries import make_canary_photo
from harness.evidence.images import dhash
from harness.evidence.mask_files import mask_run_folder, mask_value
from harness.evidence.redact import redact
from harness.observe.flows import read_flows, read_hook_log, read_jsonl
from harness.observe.graph import to_dot, ui_graph
from harness.observe.hooks import read_stats
from harness.observe.ipv6 import probe
from harness.observe.model import (
    DeviceInfo,
    FailedRequest,
    HookRecord,
    Ipv6HostResult,
    Ipv6OnlyPass,
    Observations,
    PackageBuild,
    Timing,
    VideoRef,
)
from harness.samples.server import SampleServer
from harness.static.inspect import read_package
from harness.ui.explorer import Explorer, Walk

AddressMap = dict[str, list[tuple[str, int | None]]]


@dataclass(frozen=True)
class RunPaths:
    root: Path
    """reports/<run-id>/runs/<app>@<device>/"""

    @classmethod
    def for_cell(cls, sweep_dir: Path, app: str, device: str) -> RunPaths:
        return cls(sweep_dir / "runs" / f"{app}@{device}")

    @property
    def video(self) -> Path:
        return self.root / "video.mp4"

    @property
    def shots(self) -> Path:
        return self.root / "screens"

    @property
    def device_hooks(self) -> Path:
        return self.root / "device_hooks.jsonl"


class Stopwatch:
    """Seconds per phase of a run (observations.timing.phases): where a cell's wall time goes."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = round(self.phases.get(name, 0.0) + time.perf_counter() - started, 3)


def address_map(scenario: Scenario, sample: SampleServer | None) -> AddressMap:
    """Where the proxy connects each host: a bundled sample's ports, or the app's own port (None)."""
    if sample is not None:
        return dict(sample.address_map(scenario.hosts))
    return {host: [(a, None) for a in addresses] for host, addresses in scenario.hosts.items()}


def package_build(scenario: Scenario) -> PackageBuild | None:
    """The package file's name, version and sha256 (Android / HarmonyOS); None for a web app or a file that
    cannot be read (the device's precheck says why)."""
    if scenario.platform == "web":
        return None
    path = scenario.entry_path()
    try:
        stat = path.stat()
        return _package_build(path, stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None


@functools.lru_cache(maxsize=64)
def _package_build(path: Path, mtime_ns: int, size: int) -> PackageBuild:
    """Hashed once per file version (every device of a sweep asks)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    try:
        facts = read_package(path)
    except FingertipError:  # a PackageError: the precheck on the device reports it; the hash still names it
        return PackageBuild(sha256=digest.hexdigest())
    code = f" ({facts.version_code})" if facts.version_code is not None else ""
    return PackageBuild(name=facts.package, version=(facts.version_name + code).strip() or None,
                        sha256=digest.hexdigest())


def port_map(scenario: Scenario) -> dict[str, list[int]]:
    """The ports the app may ask for, per host: the egress guard refuses any other."""
    return {host: list(scenario.ports_for(host)) for host in scenario.hosts}


def execute_run(scenario: Scenario, device: Device, sweep_dir: Path, sweep_id: str,
                masked: bool = True, cell_device: str | None = None) -> Observations:
    """Run `scenario` on `device` once and return (and save) everything it observed.

    `masked`: personal data and secrets in what is kept (flows, screen texts) are redacted.
    `cell_device`: the farm device whose cell this run fills when another, equivalent device runs it
    (its own device failed); device_info.ran_on then names the device that did."""
    cell = cell_device or device.id
    paths = RunPaths.for_cell(sweep_dir, scenario.id, cell)
    paths.root.mkdir(parents=True, exist_ok=True)
    confdir = ca_dir(sweep_dir)  # outside reports/: the key is never in what reviewers receive
    described = device.describe()
    if cell != device.id:
        described = {**described, "ran_on": device.id}
    observations = Observations(
        app=scenario.id, app_name=scenario.name, device=cell, platform=scenario.platform,
        run_id=f"{sweep_id}/{scenario.id}@{cell}", started=time.time(), context=list(scenario.context),
        filing_patterns=list(scenario.filing.patterns),
        canary_location=(scenario.canaries.location.latitude, scenario.canaries.location.longitude),
        ipv6_policy=scenario.ipv6.model_dump(),
        # Unique per run, so a complaint seen in tracking is this run's own.
        canary_text=f"{scenario.canaries.text}{secrets.token_hex(3)}",
        device_info=DeviceInfo.model_validate(described), package=package_build(scenario),
    )
    walk = Walk()
    video: VideoInfo | None = None
    device_s = 0.0
    clock = Stopwatch()
    with contextlib.ExitStack() as stack:
        with clock.phase("servers"):
            sample = stack.enter_context(SampleServer(scenario.serve)) if scenario.serve else None
            addresses = address_map(scenario, sample)
            proxy = stack.enter_context(CaptureProxy(
                paths.root, confdir, addresses, ports=port_map(scenario), upstream_ca=scenario.upstream_ca,
                canary_text=observations.canary_text, allow_submission=scenario.complaint.allow_real_submission))
            photo = make_canary_photo(paths.root / "canaries",
                                      f"{scenario.id}@{device.id}:{observations.started:.0f}")
            observations.canary_photo_hash = dhash(photo.read_bytes())
            only_proxy = ipv6_only_proxy(scenario, paths, confdir, addresses, observations.canary_text) \
                if scenario.ipv6.only_pass_s > 0 else None
            if only_proxy is not None:
                stack.callback(only_proxy.stop)
        setup = RunSetup(scenario=scenario, run_dir=paths.root, proxy_url=proxy.url,
                         ca_spki=ca_spki_hash(confdir), ca_cert=confdir / "mitmproxy-ca-cert.pem",
                         canary_photo=photo, device_hooks=paths.device_hooks, hook_secret=proxy.hook_secret)
        try:
            with clock.phase("recording_start"):
                device.start_recording(paths.video)
            launch_started = time.perf_counter()
            with clock.phase("launch"):
                launch = device.launch(setup)
            device_s = time.perf_counter() - launch_started
            observations.launch_ms = launch.launch_ms
            observations.notes = list(launch.notes)
            observations.capture, observations.capture_note = launch.capture, launch.capture_note
            explorer = Explorer(device, scenario.explore, photo, paths.shots, canary_text=observations.canary_text,
                                complaint_gate=ComplaintGate(device, proxy, launch))
            walk = explorer.walk
            with clock.phase("explore"):
                explorer.run(scenario.steps)
            with clock.phase("dwell"):
                if only_proxy is not None:
                    only_proxy.start()  # boots while the app dwells: the IPv6-only pass finds it listening
                time.sleep(scenario.explore.dwell_s)  # let periodic traffic (heartbeats) show itself
                explorer.revisit()  # a reply to the canary complaint may have come meanwhile (Art. 18)
            device_s += walk.waited_s + scenario.explore.dwell_s
            observations.alive_at_end = device.alive()
            if observations.alive_at_end:
                observations.metrics = device.metrics()
            if not proxy.alive():
                walk.problems.append("the capture proxy stopped during the run: flows after that are missing")
        finally:
            with clock.phase("restore"):
                device.finish()
                try:
                    video = device.stop_recording()
                except FingertipError as e:  # a run without its video must say so in the report
                    walk.problems.append(f"screen recording lost: {e}")
                proxy.stop()
            observations.ended = time.time()
            with clock.phase("collect"):
                _collect(observations, proxy, walk, video, paths, masked)
        # While the app's servers are still up: its hosts over IPv4 and over IPv6 …
        with clock.phase("ipv6_probe"):
            observations.ipv6_hosts = ipv6_probes(proxy.files.flows, scenario, addresses, observations.canary_text,
                                                  masked)
        # … and the app itself with IPv6-only upstream connections.
        if only_proxy is not None:
            with clock.phase("ipv6_only"):
                observations.ipv6_only, only_device_s = ipv6_only_pass(scenario, device, only_proxy, confdir, photo)
            device_s += only_device_s
        if masked:  # what stays on disk is masked like the observations: reviewers receive this folder
            with clock.phase("mask"):
                observations.problems += mask_run_folder(paths.root)
        observations.timing = Timing(wall_s=round(time.time() - observations.started, 2),
                                     device_s=round(device_s, 2), phases=clock.phases)
        observations.save(paths.root)
    return observations


def ipv6_probes(flows_file: Path, scenario: Scenario, addresses: AddressMap, canary_text: str,
                masked: bool) -> list[Ipv6HostResult]:
    """The app's hosts probed over IPv4 and IPv6 by repeating its GETs as it sent them (the flows kept in the
    observations are masked, and a masked path is not a request the app made), what is kept of each probe masked
    like the flows."""
    sent = [f for f in read_flows(flows_file, masked=False)[0] if not f.refused]
    results = [p.to_dict() for p in probe(sent, addresses, scenario.upstream_ca, scenario.ipv6.resolver,
                                          canary=canary_text)]
    return [Ipv6HostResult.model_validate(masked_probe(r) if masked else r) for r in results]


def masked_probe(result: dict[str, Any]) -> dict[str, Any]:
    """An IPv6 probe's result as kept: the paths it repeated masked like the flows' (its errors quote them)."""
    paths = [{**p, "path": redact(str(p.get("path", ""))),
              "v6_error": redact(str(p["v6_error"])) if p.get("v6_error") else p.get("v6_error")}
             for p in result.get("paths", [])]
    return {**result, "paths": paths}


def mask_screen(screen: dict[str, Any]) -> dict[str, Any]:
    """A screen as kept in observations: texts, control labels, its title and its key (a web screen's is its
    URL, query included) redacted. Actions refer to screens by signature, so nothing points at a key."""
    nodes = [{**n, "text": redact(n.get("text", "")), "hint": redact(n.get("hint", ""))} for n in screen["nodes"]]
    return {**screen, "texts": [redact(t) for t in screen.get("texts", [])], "nodes": nodes,
            "key": redact(str(screen.get("key", ""))), "title": redact(str(screen.get("title", "")))}


def ipv6_only_proxy(scenario: Scenario, paths: RunPaths, confdir: Path, addresses: AddressMap,
                    canary_text: str) -> CaptureProxy:
    """The IPv6-only pass's proxy (not started): every upstream connection over IPv6, its own files."""
    return CaptureProxy(paths.root / "ipv6-only", confdir, addresses, only_family=6, ports=port_map(scenario),
                        upstream_ca=scenario.upstream_ca, canary_text=canary_text)


def ipv6_only_pass(scenario: Scenario, device: Device, proxy: CaptureProxy, confdir: Path,
                   photo: Path) -> tuple[Ipv6OnlyPass, float]:
    """Walk the app again, briefly, with every upstream connection over IPv6 (`proxy`, from ipv6_only_proxy):
    which requests and screens break, and the device's own seconds in it. No complaint is filed twice (this
    explorer has no canary text) and the proxy still answers anything carrying the run's canary itself; no
    video."""
    folder = proxy.run_dir
    with proxy.wait_ready():
        setup = RunSetup(scenario=scenario, run_dir=folder, proxy_url=proxy.url, ca_spki=ca_spki_hash(confdir),
                         ca_cert=confdir / "mitmproxy-ca-cert.pem", canary_photo=photo, hook_secret=proxy.hook_secret)
        settings = scenario.explore.model_copy(update={"budget_s": scenario.ipv6.only_pass_s, "dwell_s": 0})
        explorer = Explorer(device, settings, photo, None)  # screens are named by key there: no screenshots
        started, launch_s = time.perf_counter(), 0.0
        try:
            device.launch(setup)
            launch_s = time.perf_counter() - started
            explorer.run()
        except FingertipError as e:
            explorer.walk.problems.append(f"IPv6-only pass stopped: {e}")
        finally:
            device.finish()
    flows, problems = read_flows(proxy.files.flows)
    app_flows = [f for f in flows if not f.refused]
    failed = [f for f in app_flows if f.error or (f.status is not None and f.status >= 500)]
    screens = explorer.walk.screens

    def showing(t: float) -> str:
        before = [v for v in screens if v.t <= t + 0.5]
        return before[-1].as_screen().key if before else ""

    return Ipv6OnlyPass(
        requests=len(app_flows),
        failed=[FailedRequest(method=f.method, host=f.host, path=f.path.split("?")[0], error=f.error or str(f.status),
                              screen=showing(f.t)) for f in failed[:50]],
        failing_hosts=sorted({f.host for f in failed}),
        broken_screens=sorted({showing(f.t) for f in failed} - {""}),
        screens=len(screens),
        problems=[*explorer.walk.problems, *problems],
    ), launch_s + explorer.walk.waited_s


def _collect(observations: Observations, proxy: CaptureProxy, walk: Walk, video: VideoInfo | None,
             paths: RunPaths, masked: bool = True) -> None:
    flows, flow_problems = read_flows(proxy.files.flows, masked)
    if masked:
        for visit in walk.screens:
            visit.screen = mask_screen(visit.screen)
        for action in walk.actions:  # an input's label is its text: what was typed into it
            action.label = redact(action.label)
        if walk.coverage is not None:  # untried labels include inputs showing what was typed
            walk.coverage.untried = [redact(label) for label in walk.coverage.untried]
        walk.notes = [redact(note) for note in walk.notes]  # URLs of pages left, tabs closed
    refusals, refusal_problems = read_jsonl(proxy.files.refusals)
    hooks, hook_problems = read_jsonl(proxy.files.hook_events)
    if masked:  # page URLs, request URLs and script errors may carry tokens and numbers
        refusals, hooks = mask_value(refusals), mask_value(hooks)
    device_hooks, device_problems = read_hook_log(paths.device_hooks)  # Frida's, on devices that have it
    crashes, crash_problems = read_crashes(paths.root / CRASHES_FILE)  # from the device's logs, where it has them
    hooks += device_hooks
    hook_problems += device_problems
    sink = read_stats(proxy.files.hook_events)
    if sink is not None and sink.dropped():
        hook_problems.append(sink.problem())
    observations.flows = flows
    observations.refusals = refusals
    records: list[HookRecord] = []
    for event in hooks:
        try:
            records.append(HookRecord.model_validate(event))
        except ValidationError:  # a device's log line that is not an event: dropped, and said so
            hook_problems.append(f"a hook event that is not one was dropped: {str(event)[:120]}")
    observations.hook_events = sorted(records, key=lambda e: e.t)
    observations.screens = walk.screens
    observations.actions = walk.actions
    observations.complaint_withheld = walk.complaint_withheld
    observations.coverage = walk.coverage
    observations.notes = [*observations.notes, *walk.notes]
    observations.crashes = crashes
    observations.problems = [*walk.problems, *flow_problems, *refusal_problems, *hook_problems, *crash_problems]
    if video is not None:
        observations.video = VideoRef(path=video.path.name, start=video.start, width=video.width,
                                      height=video.height)
    graph = ui_graph(observations)
    (paths.root / "ui_graph.json").write_text(json.dumps(graph, ensure_ascii=False, indent=1), encoding="utf-8")
    (paths.root / "ui_graph.dot").write_text(to_dot(graph), encoding="utf-8")
    observations.save(paths.root)
