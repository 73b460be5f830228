"""`fingertip probe DEVICE --record DIR`: a real device's first contact, turned into fixtures.

The outputs the backends parse are captured as the device prints them (no app is installed or started),
written one file each into DIR with a PROVENANCE.md saying which device, build and command produced
them, and parsed on the spot: what the parsers make of them is printed, and kept in parsed.json, so a lab
sees at once where its phones differ from what Fingertip was written against, and can hand the folder over
as fixtures (tests/data/android, tests/data/harmony). Nothing is installed, started or changed on the
device, except one UI dump file in its temporary folder, removed again.

With `--app PACKAGE`, every backend operation runs once on the app through the real backend, and every command
it sends the device is kept with its raw output (DIR/app/outputs, listed in commands.json). What failed is shown
with the device's raw output.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harness.config.farm import AndroidDeviceSpec, DeviceSpecBase, HarmonyDeviceSpec
from harness.errors import BackendUnavailable, DeviceError

UI_DUMP = "/data/local/tmp/fingertip-probe-window"
RAW_LIMIT = 4000
"""Characters of a failure's raw output shown with it (the whole output is in its file when one was written)."""
OUTPUTS_KEPT = 300
"""Distinct commands whose outputs `probe --app` keeps (a run repeats its polls and dumps)."""


class Probed(BaseModel):
    """One captured output: its file, the command, and what the parser made of it (or why it could not)."""

    file: str
    command: str
    parsed: str = ""
    problem: str = ""
    output: str = ""
    """The device's raw output of what failed (a refused command, a failed install), kept in parsed.json."""


def _failed(file: str, command: str, error: Exception) -> Probed:
    """A failure line whose problem ends with what the device printed, so the table shows it too."""
    output = str(getattr(error, "output", "") or "").strip()[:RAW_LIMIT]
    problem = f"{error}" + (f"\n--- raw output ---\n{output}" if output else "")
    return Probed(file=file, command=command, problem=problem, output=output)


@dataclass(frozen=True)
class Capture:
    file: str
    command: str
    summary: Callable[[str], str]
    prepare: str = ""
    """Run first (a UI dump written to a file), its output not kept."""
    cleanup: str = ""


def _android_captures() -> list[Capture]:
    from harness.devices.android import output as out

    def props(text: str) -> str:
        parsed = out.parse_getprop(text)
        release, sdk = parsed.get("ro.build.version.release", "?"), parsed.get("ro.build.version.sdk", "?")
        return f"{len(parsed)} properties; Android {release} (API {sdk}); {parsed.get('ro.product.model', '?')}"

    def window(text: str) -> str:
        screen = out.screen_from_hierarchy(text, "probe")
        return f"{len(screen.nodes)} nodes, {len(screen.texts)} texts; title {screen.title!r}"

    return [
        Capture("getprop.txt", "getprop", props),
        Capture("wm_size.txt", "wm size", lambda t: f"screen {out.parse_wm_size(t)}"),
        Capture("dumpsys_activities.txt", "dumpsys activity activities",
                lambda t: f"resumed activity {out.resumed_activity(t)!r}"),
        Capture("dropbox_crash.txt", "dumpsys dropbox --print data_app_crash",
                lambda t: f"{len(out.dropbox_crashes(t, ''))} crash entries read (any process)"),
        Capture("logcat.txt", "logcat -d -v threadtime -v epoch -b main,system,crash -t 2000",
                lambda t: f"{len(t.splitlines())} lines"),
        Capture("uiautomator_dump.xml", f"cat {UI_DUMP}.xml", window, prepare=f"uiautomator dump {UI_DUMP}.xml",
                cleanup=f"rm -f {UI_DUMP}.xml"),
    ]


def _harmony_captures() -> list[Capture]:
    from harness.devices.harmony import output as out

    def layout(text: str) -> str:
        screen = out.screen_from_layout(text)
        return f"{len(screen.nodes)} nodes, {len(screen.texts)} texts; key {screen.key!r}"

    return [
        Capture("param.txt", "param get", lambda t: f"{len(t.splitlines())} lines"),
        Capture("aa_dump_l.txt", "aa dump -l", lambda t: f"foreground {out.foreground_abilities(t)}"),
        Capture("faultlogs.txt", "ls /data/log/faultlog/faultlogger", lambda t: f"{len(t.split())} fault logs"),
        Capture("uitest_layout.json", f"cat {UI_DUMP}.json", layout, prepare=f"uitest dumpLayout -p {UI_DUMP}.json",
                cleanup=f"rm -f {UI_DUMP}.json"),
    ]


def _shell_for(spec: DeviceSpecBase) -> tuple[Callable[[str], str], str]:
    """The entry's shell and a line naming the device, for a farm entry the probe can reach."""
    if isinstance(spec, HarmonyDeviceSpec):
        from harness.devices.harmony.hdc import Hdc

        hdc = Hdc(spec.id, spec.target, spec.hdc_server, timeout=60)
        return hdc.shell, f"HarmonyOS target {spec.target}" + (f" via hdc server {spec.hdc_server}"
                                                                if spec.hdc_server else "")
    if isinstance(spec, AndroidDeviceSpec):
        from harness.devices.android.device import adb_client, check_state

        client = adb_client(spec)
        serial = spec.serial
        check_state(client, serial, spec.id)
        device = client.device(serial)

        def shell(command: str) -> str:
            return str(device.shell2(command, timeout=120).output)

        return shell, f"Android serial {serial} via adb server {spec.adb_address}"
    raise BackendUnavailable(spec.id, f"probe records real Android phones and HarmonyOS targets, not a {spec.kind!r} "
                                      "entry (an AVD: boot it, then name it as an android entry by its serial)")


def probe(spec: DeviceSpecBase, folder: Path, app: Path | None = None) -> list[Probed]:
    """Capture every output into `folder` and parse it; with `app`, then run every backend operation once on
    it (probe_app). The device's own failures are recorded, not raised."""
    shell, where = _shell_for(spec)
    captures = _harmony_captures() if isinstance(spec, HarmonyDeviceSpec) else _android_captures()
    folder.mkdir(parents=True, exist_ok=True)
    results: list[Probed] = []
    for capture in captures:
        prepared = ""
        try:
            if capture.prepare:
                prepared = shell(capture.prepare)
            text = shell(capture.command)
        except DeviceError as e:
            results.append(_failed(capture.file, capture.command, DeviceError(
                spec.id, f"the device refused: {e}", e.output)))
            continue
        finally:
            if capture.cleanup:
                with contextlib.suppress(DeviceError):
                    shell(capture.cleanup)
        (folder / capture.file).write_text(text, encoding="utf-8")
        try:
            results.append(Probed(file=capture.file, command=capture.command, parsed=capture.summary(text)))
        except Exception as e:  # a parser that breaks on a real output is exactly what the probe is for
            said = f" (`{capture.prepare}` printed: {prepared.strip()[:RAW_LIMIT]})" if prepared.strip() else ""
            results.append(Probed(file=capture.file, command=capture.command, output=text[:RAW_LIMIT],
                                  problem=f"the parser failed: {type(e).__name__}: {e}{said}"))
    if app is not None:
        results += probe_app(spec, app, folder / "app")
    _write_provenance(folder, spec, where, results)
    return results


def probe_app(spec: DeviceSpecBase, package: Path, folder: Path, budget_s: float = 20.0) -> list[Probed]:
    """Every backend operation once, through the real backend: open the device, then one short run of `package`
    (precheck, install, clean state, proxy route set and removed, canaries, Frida where enabled, launch, a
    brief walk with UI dumps and screenshots, recording, logs and crash collection, restore). Each phase that
    ran, and every problem, note and failure, becomes a line; the run's folder is kept under `folder/run`."""
    import shutil

    from harness.capture.ca import remove_ca
    from harness.config.scenario import load_scenario
    from harness.devices.registry import PLATFORM_OF_KIND, open_device
    from harness.errors import FingertipError
    from harness.run import execute_run

    folder.mkdir(parents=True, exist_ok=True)
    platform = PLATFORM_OF_KIND.get(spec.kind)
    if platform not in ("android", "harmony"):
        raise BackendUnavailable(spec.id, f"probe --app installs on Android phones and HarmonyOS targets, not on a "
                                          f"{spec.kind!r} entry")
    scenario_file = folder / "probe-scenario.yaml"
    scenario_file.write_text(json.dumps({  # JSON is YAML: no quoting of the package's path to get wrong
        "id": "probe", "name": "fingertip probe", "platform": platform, "entry": str(package.resolve()),
        "hosts": {"probe.invalid": ["127.0.0.1"]}, "ipv6": {"only_pass_s": 0},
        "explore": {"budget_s": budget_s, "max_actions": 5, "dwell_s": 0}}, ensure_ascii=False), encoding="utf-8")
    scenario = load_scenario(scenario_file)
    sweep_dir = folder / "run"
    results: list[Probed] = []
    recorder = CommandRecorder(folder / "outputs")
    try:
        with open_device(spec, folder / "work") as device:
            results.append(Probed(file="", command="open the device", parsed=json.dumps(device.describe(),
                                                                                          ensure_ascii=False)))
            recorder.attach(device)
            observations = execute_run(scenario, device, sweep_dir, "probe")
    except FingertipError as e:
        results.append(_failed("", "open the device and run the app once", e))
        return results
    finally:
        remove_ca(sweep_dir)
        shutil.rmtree(folder / "work", ignore_errors=True)
        if recorder.kept:
            recorder.write_index()
            results.append(Probed(file=f"{folder.name}/outputs/commands.json", command="raw outputs",
                                  parsed=f"{len(recorder.kept)} commands' outputs kept as the device printed them"))
    phases = observations.timing.phases
    results += [Probed(file="", command=f"phase {name}", parsed=f"{seconds:.1f} s") for name, seconds in phases.items()]
    results.append(Probed(file="", command="launch", parsed=f"{observations.launch_ms} ms; capture "
                                                            f"{'on' if observations.capture else 'off'}"))
    results.append(Probed(file="", command="UI", parsed=f"{len(observations.screens)} screens, "
                                                        f"{len(observations.actions)} actions"))
    results.append(Probed(file="", command="logs", parsed=f"{len(observations.crashes)} crashes, "
                                                          f"{len(observations.hook_events)} hook events"))
    results += [Probed(file="", command="note", parsed=note) for note in observations.notes]
    results += [Probed(file="", command="problem", problem=problem) for problem in observations.problems]
    return results


class CommandRecorder:
    """Every device command a `probe --app` run sends, with its raw output, one file each under `folder` and
    listed in commands.json (command, file, exit code or error): the backend's own traffic with the device,
    kept as fixtures. The first output of each distinct command is kept (polls repeat; a fresh temporary name
    on the device does not make a command new)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def attach(self, device: Any) -> None:
        """Wrap the backend's command channel: hdc's `run` (HarmonyOS), adb's `shell` / `shell2` (Android)."""
        hdc = getattr(device, "hdc", None)
        if hdc is not None:
            run = hdc.run

            def hdc_run(*args: str, timeout: float | None = None) -> str:
                try:
                    output = run(*args, timeout=timeout)
                except DeviceError as e:
                    self.keep(" ".join(args), e.output, error=str(e))
                    raise
                self.keep(" ".join(args), output)
                return output

            hdc.run = hdc_run
        adb = getattr(device, "adb", None)
        if adb is not None and hdc is None:
            shell, shell2 = adb.shell, adb.shell2

            inner = threading.local()  # adbutils' shell2 runs shell (`…; echo X4EXIT:$?`): kept once, as shell2

            def adb_shell(command: str | list[str], *args: Any, **kwargs: Any) -> Any:
                output = shell(command, *args, **kwargs)
                if not kwargs.get("stream") and not getattr(inner, "active", False):
                    self.keep(_command_line(command), str(output))
                return output

            def adb_shell2(command: str | list[str], *args: Any, **kwargs: Any) -> Any:
                inner.active = True
                try:
                    result = shell2(command, *args, **kwargs)
                finally:
                    inner.active = False
                self.keep(_command_line(command), str(result.output), exit_code=int(result.returncode))
                return result

            adb.shell, adb.shell2 = adb_shell, adb_shell2

    def keep(self, command: str, output: str, exit_code: int | None = None, error: str = "") -> None:
        key = re.sub(r"[0-9a-f]{8}|\d+", "#", command)  # fresh file names, frame numbers, coordinates
        with self._lock:
            if key in self._seen or len(self.kept) >= OUTPUTS_KEPT:
                return
            self._seen.add(key)
            words = re.sub(r"[^\w.-]+", "_", " ".join(command.split()[:3]))[:40].strip("_") or "command"
            name = f"{len(self.kept) + 1:03d}-{words}.txt"
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / name).write_text(output, encoding="utf-8")
            entry: dict[str, Any] = {"file": name, "command": command}
            if exit_code is not None:
                entry["exit"] = exit_code
            if error:
                entry["error"] = error
            self.kept.append(entry)

    def write_index(self) -> None:
        with self._lock:
            (self.folder / "commands.json").write_text(json.dumps(self.kept, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")


def _command_line(command: str | list[str]) -> str:
    return command if isinstance(command, str) else shlex.join(command)


def _cell(text: str) -> str:
    """One markdown table cell: the first line, bounded, pipes escaped (the full text is in parsed.json)."""
    return text.strip().splitlines()[0][:200].replace("|", "\\|") if text.strip() else ""


def _write_provenance(folder: Path, spec: DeviceSpecBase, where: str, results: list[Probed]) -> None:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Captured by `fingertip probe {spec.id}`", "",
             f"Captured on a real device: farm entry `{spec.id}` ({where}), {when}. Each file is the device's",
             "output of the command below, unedited. Review them for personal data before sharing.", "",
             "| file | command | parsed as | problem |", "|---|---|---|---|"]
    lines += [f"| {r.file} | `{_cell(r.command)}` | {_cell(r.parsed)} | {_cell(r.problem)} |" for r in results]
    (folder / "PROVENANCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed: list[dict[str, Any]] = [r.model_dump() for r in results]
    (folder / "parsed.json").write_text(json.dumps(parsed, ensure_ascii=False, indent=1), encoding="utf-8")
