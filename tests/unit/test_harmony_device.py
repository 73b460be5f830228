"""The HarmonyOS backend through a fake `hdc` executable speaking hdc's command line (tests/fakes/bin/hdc),
with a HAP built here. Nothing here is a HarmonyOS device: the fake answers in HarmonyOS's formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harness.config.farm import HarmonyDeviceSpec
from harness.config.scenario import load_scenario
from harness.devices.harmony import device as harmony_module
from harness.devices.harmony import output as harmony_out
from harness.devices.harmony.device import HarmonyDevice
from harness.devices.health import health
from harness.errors import AppIncompatible, DeviceError, HostError
from harness.reports.results import judge
from harness.run import execute_run
from harness.session import checks_for
from tests.fakes.hap_build import HapSpec, build_app, build_hap

FAKES = Path(__file__).resolve().parents[1] / "fakes"
DATA = Path(__file__).resolve().parents[1] / "data" / "harmony"
BUNDLE = "com.fingertip.harmony"
PARAMS = {"const.ohos.apiversion": "12", "const.product.software.version": "5.0.0.102",
          "const.product.model": "emulator", "const.product.cpu.abilist": "arm64-v8a",
          "const.ohos.fullname": "OpenHarmony-5.0.0.102", "bootevent.boot.completed": "true"}


class FakeHdc:
    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def state(self) -> dict[str, Any]:
        return dict(json.loads((self.home / "state.json").read_text(encoding="utf-8")))

    def update(self, **changes: Any) -> None:
        state = self.state
        state.update(changes)
        (self.home / "state.json").write_text(json.dumps(state), encoding="utf-8")

    def commands(self) -> list[str]:
        return [" ".join(c) for c in self.state["commands"]]


@pytest.fixture
def hdc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHdc]:
    home = tmp_path / "hdc"
    faults = home / "device" / "data" / "log" / "faultlog" / "faultlogger"
    faults.mkdir(parents=True)
    for name in ("jscrash-com.fingertip.harmony-20020100-20261123101502.log",
                 "appfreeze-com.fingertip.harmony-20020100-20261123101610.log",
                 "cppcrash-com.other.app-20020200-20261123090000123.log"):
        shutil.copy(DATA / name, faults / name)
    Image.new("RGB", (126, 272), "white").save(home / "frame.jpeg")
    (home / "state.json").write_text(json.dumps({
        "targets": {"127.0.0.1:5555": "Connected", "FMR0223C13000649": "Offline", "3TR0224A15004411": "Unauthorized"},
        "params": PARAMS, "device_epoch": 1795400000}), encoding="utf-8")
    monkeypatch.setenv("FAKE_HDC_HOME", str(home))
    monkeypatch.setenv("PATH", f"{FAKES / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setattr(harmony_module.Path, "home", classmethod(lambda cls: tmp_path / "user"))
    yield FakeHdc(home)


def spec(proxy: str = "app", target: str = "127.0.0.1:5555", **extra: Any) -> HarmonyDeviceSpec:
    return HarmonyDeviceSpec(id="harmony-emu", target=target, proxy=proxy, frame_interval_s=0.3,  # type: ignore[arg-type]
                             **extra)


def scenario(folder: Path, hap: Path, extra: str = "") -> Any:
    (folder / "app.yaml").write_text(
        f"id: hm\nname: 鸿蒙样例\nplatform: harmony\nentry: {hap}\nhosts:\n  api.example.gov.cn: [127.0.0.1]\n"
        "explore: {budget_s: 20, max_actions: 3, settle_s: 0, dwell_s: 0}\nipv6: {only_pass_s: 0}\n" + extra,
        encoding="utf-8")
    return load_scenario(folder / "app.yaml")


def test_a_run_installs_routes_launches_and_keeps_crashes_screens_and_video(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    with HarmonyDevice(spec(hdc_server="127.0.0.1:8710"), tmp_path / "work") as device:
        assert device.describe()["os"] == "HarmonyOS 5.0.0.102 (API 12)"
        observations = execute_run(scenario(tmp_path, hap), device, tmp_path / "sweep", "s1")
        scratch = device._scratch
        assert any(scratch.iterdir())  # screenshots and layouts were pulled there...
    assert not scratch.exists()  # ...and the folder goes with the device (a nightly sweep left hundreds)
    commands = hdc.commands()
    assert any(c.startswith(f"-s 127.0.0.1:8710 -t 127.0.0.1:5555 install -r {hap}") for c in commands)
    assert any(c.endswith(f"bm clean -n {BUNDLE} -d") for c in commands)
    assert any(c.endswith(f"aa start -a EntryAbility -b {BUNDLE} -m entry") for c in commands)
    assert any(c.startswith("-s 127.0.0.1:8710 -t 127.0.0.1:5555 rport tcp:8888 tcp:") for c in commands)
    assert hdc.state["rports"] == []  # removed again
    assert observations.capture
    assert observations.launch_ms is not None
    assert [c.kind for c in observations.crashes] == ["crash", "anr"]
    assert observations.crashes[0].summary == "TypeError: Cannot read property latitude of undefined"
    assert any("Frida 不支持" in n for n in observations.notes)
    assert observations.screens[0].as_screen().key == f"{BUNDLE}/EntryAbility#pages/Complaint"
    assert any(i[0] == "click" for i in hdc.state.get("inputs", []))
    assert observations.video is not None
    assert (tmp_path / "sweep" / "runs" / "hm@harmony-emu" / "video.mp4").stat().st_size > 0
    assert (tmp_path / "sweep" / "runs" / "hm@harmony-emu" / "hilog.txt").read_text().startswith("11-23")
    assert "13812345678" not in observations.model_dump_json()
    assert BUNDLE not in hdc.state["running"]


def test_without_a_proxy_route_the_traffic_articles_are_skipped_saying_why(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    app = scenario(tmp_path, hap)
    with HarmonyDevice(spec(proxy="none"), tmp_path / "work") as device:
        observations = execute_run(app, device, tmp_path / "sweep", "s1")
    assert not observations.capture
    records = {r["check"]: r for r in judge(observations, checks_for(app), "runs/hm@harmony-emu")}
    for name in ("uploads", "ipv6", "complaint", "mandatory-features"):
        assert records[name]["verdict"] == "skip", name
        assert "未经抓包代理" in records[name]["summary"]
    assert records["monitoring"]["verdict"] == "fail"  # the faultlogger crash
    assert not any("rport" in c for c in hdc.commands())


def test_the_precheck_and_install_failures(tmp_path: Path, hdc: FakeHdc) -> None:
    newer = build_hap(HapSpec(bundle="com.fingertip.newer", min_api=14), tmp_path)
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        with pytest.raises(AppIncompatible, match="最低 API 14 高于设备的 API 12"):
            execute_run(scenario(tmp_path, newer), device, tmp_path / "sweep", "s1")
        assert not any(" install " in c for c in hdc.commands())
        hdc.update(install_outputs=["install_api.txt"])
        with pytest.raises(AppIncompatible, match="9568297"):
            execute_run(scenario(tmp_path, build_hap(HapSpec(), tmp_path)), device, tmp_path / "sweep", "s2")
        hdc.update(install_outputs=["install_nosign.txt"])
        with pytest.raises(DeviceError, match="no signature file") as nosign:
            execute_run(scenario(tmp_path, build_hap(HapSpec(), tmp_path)), device, tmp_path / "sweep", "s3")
        assert "code:9568320" in nosign.value.output  # what hdc printed goes with the error (probe shows it)
        hdc.update(install_outputs=["install_untrusted.txt"])  # the lab's signing: neither the app nor the device
        with pytest.raises(HostError, match=r"应用来源不可信.*bm get -u"):
            execute_run(scenario(tmp_path, build_hap(HapSpec(), tmp_path)), device, tmp_path / "sweep", "s4")


def test_another_signature_is_uninstalled_first(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    hdc.update(install_outputs=["install_sign.txt"])
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        execute_run(scenario(tmp_path, hap), device, tmp_path / "sweep", "s1")
    commands = hdc.commands()
    assert sum(1 for c in commands if " install -r " in c) == 2
    assert any(c.endswith(f"uninstall {BUNDLE}") for c in commands)


@pytest.mark.parametrize(("target", "message"), [
    ("FMR0223C13000649", "is offline"),
    ("3TR0224A15004411", "allow USB debugging"),
    ("192.168.1.9:5555", r"not listed by the local hdc server .*hdc tconn 192.168.1.9:5555"),
])
def test_target_states_say_what_to_do(tmp_path: Path, hdc: FakeHdc, target: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        HarmonyDevice(spec(target=target), tmp_path).__enter__()
    assert health(spec(target=target)).ok is False


def test_a_target_still_booting_is_refused(tmp_path: Path, hdc: FakeHdc) -> None:
    hdc.update(params={**PARAMS, "bootevent.boot.completed": "false"})
    with pytest.raises(DeviceError, match="has not finished booting"):
        HarmonyDevice(spec(), tmp_path).__enter__()


def test_a_sweep_killed_mid_run_has_its_reverse_port_removed_next_time(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    app = scenario(tmp_path, hap)
    device = HarmonyDevice(spec(), tmp_path / "work").__enter__()
    setup_dir = tmp_path / "run"
    setup_dir.mkdir()
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    from harness.devices.protocol import RunSetup

    device.launch(RunSetup(scenario=app, run_dir=setup_dir, proxy_url="http://127.0.0.1:18081", ca_spki="x",
                           ca_cert=tmp_path / "ca.pem", canary_photo=photo))
    assert hdc.state["rports"] == ["tcp:8888 tcp:18081"]
    # the harness dies here; the next sweep opens the device
    with HarmonyDevice(spec(), tmp_path / "work"):
        assert hdc.state["rports"] == []
    assert not (Path(hdc.home) / "device" / "data" / "local" / "tmp" / "fingertip-canary-harmony-emu.jpg").exists()


def test_a_sweep_with_a_harmony_farm_entry_keeps_the_output_contract(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    scenario(scenarios, hap)
    farm = tmp_path / "farm.yaml"
    farm.write_text("devices:\n  - id: harmony-emu\n    kind: harmony\n    target: 127.0.0.1:5555\n    proxy: app\n"
                    "    frame_interval_s: 0.5\n    labels: ['os:harmony-next']\n", encoding="utf-8")
    fingertip = Path(sys.executable).with_name("fingertip")
    result = subprocess.run([str(fingertip), "sweep", "--farm", str(farm), "--scenarios", str(scenarios), "--out",
                             str(tmp_path / "reports")], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "HOME": str(tmp_path / "user")})
    assert result.returncode in (0, 3), result.stdout[-3000:] + result.stderr[-3000:]
    records = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text(encoding="utf-8"))
    assert {r["article"] for r in records} == {"5", "14(2)", "14(4)", "16-compat", "16-ipv6", "17", "18"}
    assert {(r["app"], r["device"], r["platform"]) for r in records} == {("hm", "harmony-emu", "harmony")}
    assert all(r["verdict"] != "error" for r in records), [r["summary"] for r in records if r["verdict"] == "error"]
    assert (tmp_path / "reports" / "latest" / "junit.xml").is_file()


def test_a_deveco_emulator_is_started_waited_for_and_stopped(tmp_path: Path, hdc: FakeHdc,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless on Linux (`-noWindow`), found through `hdc tconn` to its port, ended with `Emulator -stop NAME`."""
    monkeypatch.delenv("DISPLAY", raising=False)
    hdc.update(targets={})
    with HarmonyDevice(spec(emulator="Mate60-API12"), tmp_path / "work") as device:
        assert device.api == 12
        assert hdc.state["targets"] == {"127.0.0.1:5555": "Connected"}
    log = (hdc.home / "emulator.log").read_text().splitlines()
    assert log == ["-hvd Mate60-API12 -noWindow", "-stop Mate60-API12", "stopped"]
    assert "tconn 127.0.0.1:5555" in hdc.commands()
    assert hdc.state["targets"] == {}


def test_a_running_emulator_is_used_and_left_running(tmp_path: Path, hdc: FakeHdc) -> None:
    with HarmonyDevice(spec(emulator="Mate60-API12"), tmp_path / "work"):
        pass
    assert not (hdc.home / "emulator.log").exists()  # not started, so not stopped either
    assert hdc.state["targets"]["127.0.0.1:5555"] == "Connected"


def test_an_emulator_the_harness_started_is_stopped_even_when_the_device_is_lost(
        tmp_path: Path, hdc: FakeHdc, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.devices.protocol import RunSetup

    hdc.update(targets={})
    monkeypatch.delenv("DISPLAY", raising=False)
    hap = build_hap(HapSpec(), tmp_path)
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    device = HarmonyDevice(spec(emulator="Mate60-API12"), tmp_path / "work").__enter__()
    device.launch(RunSetup(scenario=scenario(tmp_path, hap), run_dir=tmp_path, proxy_url="http://127.0.0.1:18082",
                           ca_spki="x", ca_cert=tmp_path / "ca.pem", canary_photo=photo))
    hdc.update(targets={"127.0.0.1:5555": "Offline"})  # the device goes away mid-run
    with pytest.raises(DeviceError):
        device.__exit__()
    assert (hdc.home / "emulator.log").read_text().splitlines()[-1] == "stopped"


def test_probe_records_a_targets_outputs_and_how_they_parse(tmp_path: Path, hdc: FakeHdc) -> None:
    """`fingertip probe`: outputs captured as printed, with provenance, parsed on the spot; nothing started."""
    from harness.devices.probe import probe

    results = probe(spec(), tmp_path / "fixtures")
    by_file = {r.file: r for r in results}
    assert "fault logs" in by_file["faultlogs.txt"].parsed and not by_file["faultlogs.txt"].problem
    assert "jscrash-com.fingertip.harmony" in (tmp_path / "fixtures" / "faultlogs.txt").read_text()
    layout = by_file["uitest_layout.json"]
    assert "nodes" in layout.parsed and not layout.problem
    provenance = (tmp_path / "fixtures" / "PROVENANCE.md").read_text()
    assert "harmony-emu" in provenance and "127.0.0.1:5555" in provenance
    assert json.loads((tmp_path / "fixtures" / "parsed.json").read_text())[0]["command"] == "param get"
    assert not [c for c in hdc.commands() if " aa start " in f" {c} " or "install" in c]


# ── what real hdc and devices do differently (issue 15) ───────────────────────────────────────


def run_setup(tmp_path: Path, hap: Path, name: str = "run", port: int = 18081) -> Any:
    from harness.devices.protocol import RunSetup

    folder = tmp_path / name
    folder.mkdir()
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    return RunSetup(scenario=scenario(tmp_path, hap), run_dir=folder, proxy_url=f"http://127.0.0.1:{port}",
                    ca_spki="x", ca_cert=tmp_path / "ca.pem", canary_photo=photo,
                    device_hooks=folder / "device-hooks.jsonl")


def test_the_reverse_port_is_removed_rule_by_rule_so_the_next_run_can_bind_it(tmp_path: Path, hdc: FakeHdc) -> None:
    """hdc quotes an argument holding a space: `fport rm "tcp:8888 tcp:18081"` matches nothing, the device port
    stays bound and the next `rport` fails (the fake refuses both, as hdc does)."""
    hap = build_hap(HapSpec(), tmp_path)
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        for index, port in enumerate((18081, 18082)):
            device.launch(run_setup(tmp_path, hap, f"run{index}", port))
            device.finish()
    removals = [c for c in hdc.state["commands"] if c[2:4] == ["fport", "rm"]]
    assert [c[4:] for c in removals] == [["tcp:8888", "tcp:18081"], ["tcp:8888", "tcp:18082"]]
    assert hdc.state["rports"] == []


def test_a_locked_phone_is_kept_awake_and_unlocked_or_the_code_is_named(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    hdc.update(locked="swipe")  # asleep behind a swipe lock: wake, swipe up, start
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        device.launch(run_setup(tmp_path, hap))
        device.finish()
        assert hdc.state["power_mode"] == "602"
        assert any(i[0] == "swipe" for i in hdc.state["inputs"])
        hdc.update(locked="pin")  # a password lock: developer mode cannot lift it
        with pytest.raises(DeviceError, match=r"screen is locked \(aa error 10106102\).*unlock it by hand"):
            device.launch(run_setup(tmp_path, hap, "run2", 18082))


def test_unknown_parameters_are_unknown_not_values(tmp_path: Path, hdc: FakeHdc) -> None:
    """`param get` of a missing name prints `… fail! errNum is:106!`; emulators answer `default` for the ABI list:
    neither refuses a HAP with arm64 libraries nor shows up as the model."""
    params = {k: v for k, v in PARAMS.items() if k != "const.product.model"}
    hdc.update(params={**params, "const.product.cpu.abilist": "default"})
    hap = build_hap(HapSpec(), tmp_path)
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        assert device.abis == ()
        assert device.describe()["model"] == ""
        device.launch(run_setup(tmp_path, hap))
        device.finish()
    hdc.update(params={k: v for k, v in PARAMS.items() if k != "const.product.cpu.abilist"})
    with HarmonyDevice(spec(), tmp_path / "work2") as device:
        assert device.abis == ()


def test_crash_collection_that_cannot_list_faultlogs_is_a_problem_not_no_crashes(tmp_path: Path,
                                                                               hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    hdc.update(denied=[harmony_module.FAULTLOGS])
    setup = run_setup(tmp_path, hap)
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        device.launch(setup)
        device.finish()
    from harness.observe.flows import read_hook_log

    events, problems = read_hook_log(setup.device_hooks)
    assert events == []
    assert len(problems) == 1 and "崩溃收集不可用" in problems[0] and "Permission denied" in problems[0]


def test_the_canary_photo_counts_only_with_a_gallery_uri_and_is_deleted_after(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        notes = device.launch(run_setup(tmp_path, hap)).notes
        assert "金丝雀照片已加入图库（mediatool send）" in notes
        assert len(hdc.state["media"]) == 1
        device.finish()
        assert hdc.state["media"] == {}  # `mediatool delete <uri>`
        hdc.update(mediatool="silent")  # printed no uri: the photo is not in the gallery
        notes = device.launch(run_setup(tmp_path, hap, "run2", 18082)).notes
        assert any(n.startswith("金丝雀照片未能加入图库") for n in notes)
        device.finish()


def test_a_remote_hdc_server_gets_no_reverse_port_and_says_why(tmp_path: Path, hdc: FakeHdc) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    with HarmonyDevice(spec(hdc_server="192.168.1.20:8710"), tmp_path / "work") as device:
        launch = device.launch(run_setup(tmp_path, hap))
        device.finish()
    assert not launch.capture
    assert "192.168.1.20" in launch.capture_note and "hdc rport" in launch.capture_note
    assert not any("rport" in c for c in hdc.commands())


def test_no_hdc_server_is_named_as_such(tmp_path: Path, hdc: FakeHdc) -> None:
    hdc.update(servers_down=["192.168.1.20:8710"])
    with pytest.raises(DeviceError, match=r"no hdc server answers at 192\.168\.1\.20:8710 \(`Connect server failed`\)"):
        HarmonyDevice(spec(hdc_server="192.168.1.20:8710"), tmp_path).__enter__()
    assert health(spec(hdc_server="192.168.1.20:8710")).ok is False


def test_bm_clean_that_failed_stops_the_run(tmp_path: Path, hdc: FakeHdc) -> None:
    """bm prints `error: failed to clean bundle data files.` and exits 0: a run on the last run's data is no run."""
    hap = build_hap(HapSpec(), tmp_path)
    hdc.update(clean_fails=True)
    with HarmonyDevice(spec(), tmp_path / "work") as device, pytest.raises(DeviceError, match="bm clean"):
        device.launch(run_setup(tmp_path, hap))


def test_an_app_bundle_goes_to_an_old_hdc_as_its_haps(tmp_path: Path, hdc: FakeHdc) -> None:
    """hdc before .app support answers E006001: the HAPs are taken out (entry first) and installed together."""
    app = build_app(HapSpec(), tmp_path, features=("feature",))
    with HarmonyDevice(spec(), tmp_path / "work") as device:
        device.launch(run_setup(tmp_path, app))
        device.finish()
    installs = [c for c in hdc.state["commands"] if "install" in c]
    assert installs[0][-1] == str(app)
    assert [Path(a).name for a in installs[1][4:]] == ["entry-default-signed.hap", "feature-default-signed.hap"]
    assert hdc.state["installed"][BUNDLE] == "entry-default-signed.hap feature-default-signed.hap"


def test_probe_with_an_app_runs_every_backend_operation_once(tmp_path: Path, hdc: FakeHdc) -> None:
    """`fingertip probe --app`: the real backend, once — open, install, route, launch, walk, logs, restore — each
    phase a line, the run's folder kept, the sweep's capture CA gone afterwards."""
    from harness.capture.ca import ca_folder
    from harness.devices.probe import probe

    hap = build_hap(HapSpec(), tmp_path)
    results = probe(spec(), tmp_path / "fixtures", app=hap)
    steps = {r.command: r for r in results}
    assert "open the device and run the app once" not in steps, steps
    assert {"phase launch", "phase explore", "phase restore"} <= set(steps)
    assert steps["UI"].parsed.split()[0] != "0"  # screens were dumped
    runs = list((tmp_path / "fixtures" / "app" / "run" / "runs").iterdir())
    assert runs and (runs[0] / "observations.json").is_file()
    assert not ca_folder(tmp_path / "fixtures" / "app" / "run").exists()
    assert any(c.startswith("-t 127.0.0.1:5555 install") for c in hdc.commands())
    assert "phase launch" in (tmp_path / "fixtures" / "PROVENANCE.md").read_text()
    # every command the run sent, its raw output kept as a fixture the parsers read back
    outputs = tmp_path / "fixtures" / "app" / "outputs"
    index = json.loads((outputs / "commands.json").read_text(encoding="utf-8"))
    assert steps["raw outputs"].parsed.startswith(f"{len(index)} commands")

    def printed(prefix: str) -> str:
        entry = next(e for e in index if e["command"].startswith(prefix))
        return (outputs / entry["file"]).read_text(encoding="utf-8")

    assert harmony_out.parse_install(printed("install -r")).ok
    assert harmony_out.main_ability(harmony_out.bundle_info(printed(f"shell bm dump -n {BUNDLE}")))
    assert (BUNDLE, "EntryAbility") in harmony_out.foreground_abilities(printed("shell aa dump -l"))
    # a fresh name or frame number does not make a command new: one kept for screenshots, one for video frames
    assert len([e for e in index if "snapshot_display" in e["command"]]) <= 2


def test_probe_keeps_each_command_with_its_raw_output_and_shows_what_failed_with_it(tmp_path: Path) -> None:
    """What `probe --app` keeps of the backend's traffic with the device: each distinct command's output as
    printed (a refusal too), and a failure line that ends with the device's own words."""
    from harness.devices.probe import CommandRecorder, _failed

    refusal = (DATA / "install_nosign.txt").read_text(encoding="utf-8")

    class Channel:
        def run(self, *args: str, timeout: float | None = None) -> str:
            if args[0] == "install":
                raise DeviceError("harmony-emu", "install failed", refusal)
            return f"ran {' '.join(args)}\n"

    device = type("Device", (), {"hdc": Channel()})()
    recorder = CommandRecorder(tmp_path / "outputs")
    recorder.attach(device)
    device.hdc.run("shell", "snapshot_display -f /data/local/tmp/fingertip-harmony-emu-012ec62c.jpeg")
    device.hdc.run("shell", "snapshot_display -f /data/local/tmp/fingertip-harmony-emu-9f00aa31.jpeg")
    with pytest.raises(DeviceError) as refused:
        device.hdc.run("install", "-r", "/tmp/app.hap")
    recorder.write_index()
    index = json.loads((tmp_path / "outputs" / "commands.json").read_text(encoding="utf-8"))
    assert [e["command"].split()[:2] for e in index] == [["shell", "snapshot_display"], ["install", "-r"]]
    assert "install failed" in index[1]["error"]
    kept = (tmp_path / "outputs" / index[1]["file"]).read_text(encoding="utf-8")
    assert harmony_out.parse_install(kept).reason == "9568320"
    line = _failed("", "open the device and run the app once", refused.value)
    assert line.output == refusal.strip() and line.problem.endswith(refusal.strip())
