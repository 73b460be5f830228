"""The Android backend's device work through adbutils against a fake adb server speaking the real host
protocol with a phone answering in outputs written from AOSP sources
in the formats of real captures (none captured here), and a real APK built here.

The UI half (Appium UiAutomator2) needs a device: its parsing is tested on page sources in Appium's shape
(test_android_output.py); here a stand-in driver object only takes the canary location."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adbutils
import pytest

from harness import tools
from harness.config.farm import AdbDeviceSpec, AndroidDeviceSpec
from harness.config.scenario import load_scenario
from harness.devices.android import device as android_module
from harness.devices.android.avd import EmulatorConsole, console_port
from harness.devices.android.device import AndroidDevice, check_state
from harness.devices.android.record import ScreenrecordChain
from harness.devices.common.journal import Journal
from harness.devices.health import health
from harness.devices.protocol import CRASHES_FILE, RunSetup
from harness.errors import AppIncompatible, DeviceError, UiError
from harness.ui.tree import UiNode
from tests.fakes.adb_server import FakeAdbServer, FakeAndroid
from tests.fakes.android_phone import PhoneApps, recorded
from tests.fakes.apk_build import ApkSpec, build_apk

PACKAGE = "gov.fingertip.sample"


@pytest.fixture(scope="module")
def apk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_apk(ApkSpec(), tmp_path_factory.mktemp("apk"))


def phone(serial: str = "emulator-5554", sdk: str = "34", abilist: str = "x86_64,arm64-v8a") -> FakeAndroid:
    props = {"ro.build.version.sdk": sdk, "ro.build.version.release": "14", "ro.product.cpu.abi": abilist.split(",")[0],
             "ro.product.cpu.abilist": abilist, "ro.product.model": "sdk_gphone64_x86_64", "ro.kernel.qemu": "1"}
    return FakeAndroid(serial, props=props)


class StandInElement:
    def __init__(self, driver: StandInDriver, xpath: str) -> None:
        self.driver, self.xpath = driver, xpath

    def click(self) -> None:
        self.driver.actions.append(("click", self.xpath))

    def clear(self) -> None:
        self.driver.actions.append(("clear", self.xpath))

    def send_keys(self, text: str) -> None:
        self.driver.actions.append(("type", f"{self.xpath}={text}"))


class StandInDriver:
    """Stands in for an Appium UiAutomator2 session (which needs a device): the recorded page source,
    the canary location, and a log of what was done to it."""

    def __init__(self) -> None:
        self.locations: list[tuple[float, float, float]] = []
        self.actions: list[tuple[str, str]] = []
        self.current_package = PACKAGE
        self.current_activity = ".MainActivity"
        self.page_source = recorded("appium_source.xml")

    def set_location(self, latitude: float, longitude: float, altitude: float) -> None:
        self.locations.append((latitude, longitude, altitude))

    def find_element(self, by: str, xpath: str) -> StandInElement:
        return StandInElement(self, xpath)

    def back(self) -> None:
        self.actions.append(("back", ""))

    def hide_keyboard(self) -> None:
        pass

    def save_screenshot(self, path: str) -> bool:
        from PIL import Image

        Image.new("RGB", (72, 160), "white").save(path)
        return True

    def quit(self) -> None:
        pass


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the journal lives under ~/.cache/fingertip
    monkeypatch.setattr(android_module.Path, "home", classmethod(lambda cls: tmp_path / "home"))
    return tmp_path / "home"


def spec_for(server: FakeAdbServer, serial: str = "R58M12345AB", frida: bool = False) -> AndroidDeviceSpec:
    return AndroidDeviceSpec(id="phone", serial=serial, adb_server=f"127.0.0.1:{server.port}",
                             appium="http://127.0.0.1:9", recorder="screenrecord",
                             frida={"enabled": frida})  # type: ignore[arg-type]


def scenario_for(folder: Path, apk: Path) -> Any:
    (folder / "app.yaml").write_text(
        f"id: sample\nname: 样例\nplatform: android\nentry: {apk}\nhosts:\n  api.example.gov.cn: [127.0.0.1]\n",
        encoding="utf-8")
    return load_scenario(folder / "app.yaml")


def run_setup(folder: Path, apk: Path) -> RunSetup:
    run_dir = folder / "run"
    run_dir.mkdir(exist_ok=True)
    photo = folder / "canary.jpg"
    photo.write_bytes(b"\xff\xd8canary\xff\xd9")
    ca = folder / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    return RunSetup(scenario=scenario_for(folder, apk), run_dir=run_dir, proxy_url="http://127.0.0.1:18080",
                    ca_spki="x", ca_cert=ca, canary_photo=photo, device_hooks=run_dir / "device_hooks.jsonl")


@pytest.fixture
def farm(home: Path) -> Iterator[tuple[FakeAndroid, PhoneApps, FakeAdbServer]]:
    fake = phone("R58M12345AB")
    apps = PhoneApps(fake).install()
    with FakeAdbServer(fake) as server:
        yield fake, apps, server


def opened(server: FakeAdbServer, work: Path, **kwargs: Any) -> AndroidDevice:
    device = AndroidDevice(spec_for(server, **kwargs), work).__enter__()
    device._driver = StandInDriver()
    return device


def test_a_run_installs_routes_plants_launches_and_finish_restores_everything(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    fake, apps, server = farm
    setup = run_setup(tmp_path, apk)
    device = opened(server, tmp_path)
    assert device.describe()["os"] == "Android 14 (API 34)"
    assert device.describe()["screen"] == "720x1600"
    info = device.launch(setup)
    assert info.launch_ms == 712.0
    installs = [c for c in fake.commands if c.startswith("pm install")]
    assert installs == [f"pm install -r -t -g /data/local/tmp/fingertip-{PACKAGE}.apk"]
    assert f"/data/local/tmp/fingertip-{PACKAGE}.apk" not in fake.files  # removed after installing
    assert f"pm clear {PACKAGE}" in fake.commands
    assert f"pm grant {PACKAGE} android.permission.ACCESS_FINE_LOCATION" in fake.commands
    assert apps.settings["http_proxy"] == "127.0.0.1:18080"
    assert fake.reverses == {"tcp:18080": "tcp:18080"}
    assert fake.files["/sdcard/DCIM/Camera/fingertip-canary-phone.jpg"].data == setup.canary_photo.read_bytes()
    assert any(c.startswith("content call --uri content://media --method scan_volume") for c in fake.commands)
    assert device._driver.locations == [(31.2304721, 121.4737416, 0)]  # a real phone: Appium's mock location
    assert any("Frida 未启用" in n for n in info.notes)
    assert any("Android 14+" in n for n in info.notes)
    assert f"am start -W -n {PACKAGE}/{PACKAGE}.MainActivity" in fake.commands
    assert device.alive()
    assert device.metrics() == {"memory_mb": 85.6}

    device.finish()
    assert not device.alive()
    assert apps.settings["http_proxy"] == ":0"  # it was unset: `:0` clears it at once
    assert fake.reverses == {}
    assert "/sdcard/DCIM/Camera/fingertip-canary-phone.jpg" not in fake.files
    assert not device.journal.path.exists()
    crashes = [json.loads(line) for line in (setup.run_dir / CRASHES_FILE).read_text().splitlines()]
    # logcat and dropbox both saw the crash (pid 6523) and the ANR (pid 7200): each is kept once
    assert [(c["kind"], c["pid"]) for c in crashes] == [("crash", 6523), ("native-crash", 7100), ("anr", 7200)]
    assert (setup.run_dir / "logcat.txt").read_text().startswith("--------- beginning of crash")
    device.finish()  # twice is harmless
    device.__exit__()


def test_a_second_run_does_not_reinstall_the_same_apk(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    fake, _, server = farm
    device = opened(server, tmp_path)
    for _ in range(2):
        device.launch(run_setup(tmp_path, apk))
        device.finish()
    assert len([c for c in fake.commands if c.startswith("pm install")]) == 1
    assert len([c for c in fake.commands if c.startswith(f"pm clear {PACKAGE}")]) == 2  # clean state each run
    device.__exit__()


def test_an_existing_proxy_setting_is_put_back(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    _, apps, server = farm
    apps.settings["http_proxy"] = "10.0.0.8:3128"
    device = opened(server, tmp_path)
    device.launch(run_setup(tmp_path, apk))
    device.finish()
    assert apps.settings["http_proxy"] == "10.0.0.8:3128"
    device.__exit__()


def test_a_sweep_killed_mid_run_is_undone_when_the_device_is_next_opened(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    fake, apps, server = farm
    device = opened(server, tmp_path)
    device.launch(run_setup(tmp_path, apk))
    # the harness dies here: no finish(), no __exit__()
    assert apps.settings["http_proxy"] == "127.0.0.1:18080"
    assert Journal(device.journal.path).load()["reverse"] == "tcp:18080"
    again = opened(server, tmp_path)
    assert apps.settings["http_proxy"] == ":0"
    assert fake.reverses == {}
    assert "/sdcard/DCIM/Camera/fingertip-canary-phone.jpg" not in fake.files
    again.__exit__()


def test_the_precheck_refuses_before_anything_is_pushed(
        tmp_path: Path, home: Path) -> None:
    old = phone("R58M12345AB", sdk="23", abilist="armeabi-v7a")
    PhoneApps(old).install()
    arm64_only = build_apk(ApkSpec(min_sdk=26, abis=("arm64-v8a",)), tmp_path)
    with FakeAdbServer(old) as server:
        device = opened(server, tmp_path)
        with pytest.raises(AppIncompatible) as refused:
            device.launch(run_setup(tmp_path, arm64_only))
        device.__exit__()
    assert refused.value.reason == "min-api"
    assert "最低 API 26 高于设备的 API 23" in str(refused.value)
    assert "原生库仅有 arm64-v8a" in str(refused.value)
    assert not [c for c in old.commands if c.startswith(("pm install", "settings put"))]


@pytest.mark.parametrize(("output", "error", "reason"), [
    (recorded("install_older_sdk.txt"), AppIncompatible, "INSTALL_FAILED_OLDER_SDK"),
    # Android 15's floor for targetSdk when the precheck could not know it (a target it did not read).
    (recorded("install_deprecated_sdk.txt"), AppIncompatible, "INSTALL_FAILED_DEPRECATED_SDK_VERSION"),
    (recorded("install_no_certificates.txt"), DeviceError, "INSTALL_PARSE_FAILED_NO_CERTIFICATES"),
])
def test_install_failures_name_their_reason(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer], output: str,
        error: type[Exception], reason: str) -> None:
    _, apps, server = farm
    apps.install_output = output
    device = opened(server, tmp_path)
    with pytest.raises(error, match=reason):
        device.launch(run_setup(tmp_path, apk))
    device.__exit__()


@pytest.mark.parametrize(("installed_version", "refusal"), [
    (1, "install_update_incompatible.txt"),  # another signature
    (5, "install_version_downgrade.txt"),  # a newer version
])
def test_another_signature_or_a_newer_version_is_uninstalled_and_installed_again(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer], installed_version: int,
        refusal: str) -> None:
    fake, apps, server = farm
    apps.installed[PACKAGE] = installed_version
    apps.install_outputs = [recorded(refusal)]
    device = opened(server, tmp_path)
    device.launch(run_setup(tmp_path, apk))
    assert f"pm uninstall {PACKAGE}" in fake.commands
    assert len([c for c in fake.commands if c.startswith("pm install")]) == 2
    device.finish()
    device.__exit__()


@pytest.mark.parametrize(("state", "message"), [
    ("unauthorized", "accept the USB debugging prompt"),
    ("offline", "is offline"),
])
def test_device_states_say_what_to_do(state: str, message: str) -> None:
    fake = phone("R58M12345AB")
    fake.state = state
    with FakeAdbServer(fake) as server:
        client = adbutils.AdbClient(host="127.0.0.1", port=server.port)
        with pytest.raises(DeviceError, match=message):
            check_state(client, "R58M12345AB", "phone")
        with pytest.raises(DeviceError, match=r"not connected .*\(connected: R58M12345AB\)"):
            check_state(client, "OTHER", "phone")


def test_no_adb_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: refused
        with pytest.raises(DeviceError, match=f"no adb server at 127.0.0.1:{port}"):
            check_state(adbutils.AdbClient(host="127.0.0.1", port=port), "X", "phone")


def test_fingertip_devices_health(home: Path) -> None:
    ready, locked = phone("R58M12345AB"), phone("LOCKED01")
    locked.state = "unauthorized"
    odd = phone("ODD00001", abilist="mips")
    with FakeAdbServer(ready, locked, odd) as server:
        results = {s: health(spec_for(server, serial=s, frida=True)) for s in ("R58M12345AB", "LOCKED01", "ODD00001",
                                                                             "GONE0001")}
    assert results["R58M12345AB"].facts["os"] == "Android 14 (API 34)"
    assert results["R58M12345AB"].state == "degraded"  # no frida-server release file for x86_64 here
    assert any("frida-server" in p for p in results["R58M12345AB"].problems)
    assert results["LOCKED01"].state == "unauthorized"
    assert results["ODD00001"].state == "wrong-abi"
    assert results["GONE0001"].state == "missing"


# ── screen recording ─────────────────────────────────────────────────────────────────────────


def mp4(folder: Path, name: str, seconds: int) -> bytes:
    path = folder / name
    source = f"testsrc=size=72x160:rate=5:d={seconds}"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p",
                    str(path)], check=True, timeout=60)
    return path.read_bytes()


def duration(path: Path) -> float:
    return float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                 str(path)], capture_output=True, text=True, check=True).stdout)


def test_screenrecord_segments_are_chained_past_the_limit_and_joined(tmp_path: Path) -> None:
    fake = phone()
    apps = PhoneApps(fake, segments=[mp4(tmp_path, f"s{i}.mp4", 1) for i in range(3)]).install()
    with FakeAdbServer(fake) as server:
        device = adbutils.AdbClient(host="127.0.0.1", port=server.port).device(fake.serial)
        chain = ScreenrecordChain(device, "phone", (72, 160), segment_s=1)  # the 180 s limit, shortened
        video = tmp_path / "video.mp4"
        chain.start(video)
        assert apps.recording.wait(5)
        time.sleep(2.3)
        info = chain.stop()
    assert info is not None and info.path == video
    assert len(chain.segments) == 3
    assert duration(video) == pytest.approx(3.0, abs=0.5)
    offsets = [s["offset_s"] for s in json.loads(video.with_suffix(".segments.json").read_text())]
    assert offsets[0] == 0 and offsets == sorted(offsets)
    assert info.start == chain.segments[0].start
    assert not [p for p in fake.files if p.endswith(".mp4")]  # pulled and removed from the device
    assert any(c.startswith("kill -2 ") for c in fake.commands)  # the last one stopped with SIGINT


def screenrecords(fake: FakeAndroid) -> list[str]:
    return [c for c in fake.commands if "exec screenrecord" in c]


def test_screenrecord_refusing_the_native_size_is_retried_once_smaller(tmp_path: Path) -> None:
    # The encoder takes neither 1080x2400 nor screenrecord's own 720x1280 fallback: it exits at once, saying so.
    fake = phone()
    apps = PhoneApps(fake, segments=[mp4(tmp_path, "s0.mp4", 1)], encoder_max=(600, 1200)).install()
    with FakeAdbServer(fake) as server:
        device = adbutils.AdbClient(host="127.0.0.1", port=server.port).device(fake.serial)
        chain = ScreenrecordChain(device, "phone", (1080, 2400), segment_s=5)
        video = tmp_path / "video.mp4"
        chain.start(video)
        assert apps.recording.wait(10)
        info = chain.stop()
    assert info is not None and (info.width, info.height) == (540, 1200)
    started = screenrecords(fake)
    assert "--size" not in started[0] and all("--size 540x1200" in c for c in started[1:]) and len(started) >= 2
    [segment] = json.loads(video.with_suffix(".segments.json").read_text())
    assert segment["size"] == "540x1200"
    [note] = segment["notes"]
    assert "unable to configure video/avc codec at 720x1280" in note and "retried once at --size 540x1200" in note
    assert not [p for p in fake.files if p.endswith(".mp4")]


def test_screenrecord_that_exits_at_once_again_ends_without_video_and_does_not_loop(tmp_path: Path) -> None:
    fake = phone()
    PhoneApps(fake, encoder_max=(100, 100)).install()
    with FakeAdbServer(fake) as server:
        device = adbutils.AdbClient(host="127.0.0.1", port=server.port).device(fake.serial)
        chain = ScreenrecordChain(device, "phone", (1080, 2400))
        chain.start(tmp_path / "video.mp4")
        assert chain._thread is not None
        chain._thread.join(10)  # gives up by itself: no stop needed to end a loop
        assert not chain._thread.is_alive()
        with pytest.raises(DeviceError, match=r"exited at once again at --size 540x1200 .*without video") as lost:
            chain.stop()
    assert "unable to configure video/avc codec at 540x1200" in str(lost.value)
    assert len(screenrecords(fake)) == 2


def test_a_device_without_screenrecord_says_so(tmp_path: Path) -> None:
    fake = phone()  # no `sh` handler: screenrecord cannot run
    with FakeAdbServer(fake) as server:
        device = adbutils.AdbClient(host="127.0.0.1", port=server.port).device(fake.serial)
        chain = ScreenrecordChain(device, "phone", (72, 160))
        chain.start(tmp_path / "video.mp4")
        time.sleep(0.5)
        with pytest.raises(DeviceError, match="screenrecord"):
            chain.stop()


# ── emulator console ─────────────────────────────────────────────────────────────────────────


class FakeConsole:
    """The emulator console's line protocol: banner, auth, commands answered OK / KO."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.lines: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as stream:
                stream.write(b"Android Console: Authentication required\r\nAndroid Console: type 'auth <auth_token>'"
                             b" to authenticate\r\nOK\r\n")
                stream.flush()
                authed = False
                for raw in stream:
                    line = raw.decode().strip()
                    self.lines.append(line)
                    if line.startswith("auth "):
                        authed = line == f"auth {self.token}"
                        stream.write(b"OK\r\n" if authed else b"KO: authentication token does not match\r\n")
                    elif not authed:
                        stream.write(b"KO: unknown command, try 'help'\r\n")
                    else:
                        stream.write(b"OK\r\n")
                    stream.flush()


def test_emulator_console_geo_fix_with_the_auth_token(tmp_path: Path) -> None:
    console = FakeConsole("s3cret")
    token = tmp_path / "token"
    token.write_text("s3cret\n")
    EmulatorConsole(console.port, token_file=token).geo_fix(31.2304721, 121.4737416)
    assert console.lines == ["auth s3cret", "geo fix 121.4737416 31.2304721"]  # longitude first
    token.write_text("wrong")
    with pytest.raises(DeviceError, match="authentication token does not match"):
        EmulatorConsole(console.port, token_file=token).geo_fix(1, 2)
    assert console_port("emulator-5556") == 5556 and console_port("R58M12345AB") is None


# ── AVD lifecycle ────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def fake_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sdk = tmp_path / "sdk"
    (sdk / "emulator").mkdir(parents=True)
    (sdk / "emulator" / "emulator").symlink_to(Path(__file__).parents[1] / "fakes" / "bin" / "emulator")
    monkeypatch.setenv("ANDROID_HOME", str(sdk))
    monkeypatch.setenv("FAKE_EMULATOR_LOG", str(tmp_path / "emulator.log"))
    return tmp_path / "emulator.log"


def test_an_avd_boots_headless_and_clean_and_only_it_is_stopped(tmp_path: Path, fake_sdk: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # any free port will do: the fake console is not picky about parity
    monkeypatch.setattr("harness.devices.android.avd.free_console_port", tools.free_port)
    from harness.devices.android.avd import AvdEmulator

    booting = FakeAndroid("placeholder", props={"sys.boot_completed": ""})
    with FakeAdbServer() as server:
        client = adbutils.AdbClient(host="127.0.0.1", port=server.port)
        emulator = AvdEmulator("avd", "Pixel_7_API_34", client, tmp_path / "emu.log", wipe=True, boot_timeout=20)

        def boot_later() -> None:  # the emulator appears on adb, then finishes booting
            time.sleep(1)
            booting.serial = emulator.serial
            server.devices[emulator.serial] = booting
            time.sleep(1)
            booting.props["sys.boot_completed"] = "1"

        threading.Thread(target=boot_later, daemon=True).start()
        with emulator:
            started = time.monotonic()
            argv = fake_sdk.read_text().split()
            assert argv[:2] == ["-avd", "Pixel_7_API_34"]
            assert {"-no-window", "-no-audio", "-wipe-data", "-no-snapshot-save"} <= set(argv)
            assert booting.props["sys.boot_completed"] == "1"
        assert time.monotonic() - started < 10
    assert fake_sdk.read_text().splitlines()[-1] == "killed"  # stopped through its console


def test_an_avd_that_never_boots_is_a_clear_error_and_is_stopped(tmp_path: Path, fake_sdk: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # any free port will do: the fake console is not picky about parity
    monkeypatch.setattr("harness.devices.android.avd.free_console_port", tools.free_port)
    from harness.devices.android.avd import AvdEmulator

    with FakeAdbServer() as server:
        client = adbutils.AdbClient(host="127.0.0.1", port=server.port)
        with pytest.raises(DeviceError, match=r"did not finish booting in 3 s"):
            AvdEmulator("avd", "Pixel_7_API_34", client, tmp_path / "emu.log", boot_timeout=3).__enter__()
    assert fake_sdk.read_text().splitlines()[-1] == "killed"


def test_boot_fallback_when_boot_completed_is_never_set() -> None:
    from harness.devices.android.avd import boot_completed

    fake = FakeAndroid("emulator-5560", props={"init.svc.bootanim": "stopped"})
    fake.extra["pm"] = lambda argv: ("package:/system/framework/framework-res.apk\n", 0)
    with FakeAdbServer(fake) as server:
        assert boot_completed(adbutils.AdbClient(host="127.0.0.1", port=server.port), "emulator-5560")
        fake.props["init.svc.bootanim"] = "running"
        assert not boot_completed(adbutils.AdbClient(host="127.0.0.1", port=server.port), "emulator-5560")


def test_avd_health_names_the_avds_there_are(fake_sdk: Path) -> None:
    from harness.config.farm import AvdDeviceSpec

    good = health(AvdDeviceSpec(id="a", avd="Pixel_7_API_34", appium="http://127.0.0.1:9"))
    assert good.state == "ready", good.problems
    missing = health(AvdDeviceSpec(id="b", avd="Nope", appium="http://127.0.0.1:9"))
    assert missing.problems == ["no AVD named 'Nope' (this machine has: Pixel_7_API_34, Tablet_API_30)"]



# ── a whole run through run.py ───────────────────────────────────────────────────────────────


def test_a_run_on_the_android_device_keeps_crashes_notes_and_screens(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    from harness.run import execute_run

    fake, apps, server = farm
    (tmp_path / "app.yaml").write_text(
        f"id: sample\nname: 样例\nplatform: android\nentry: {apk}\nhosts:\n  api.example.gov.cn: [127.0.0.1]\n"
        "explore: {budget_s: 20, max_actions: 3, settle_s: 0, dwell_s: 0}\nipv6: {only_pass_s: 0}\n",
        encoding="utf-8")
    scenario = load_scenario(tmp_path / "app.yaml")
    device = opened(server, tmp_path / "work")
    try:
        observations = execute_run(scenario, device, tmp_path / "sweep", "s1")
    finally:
        device.__exit__()
    assert observations.launch_ms == 712.0
    assert [c.kind for c in observations.crashes] == ["crash", "native-crash", "anr"]
    assert observations.screens and observations.screens[0].as_screen().title == "投诉建议"
    assert any("Frida 未启用" in n for n in observations.notes)
    assert observations.device_info.os == "Android 14 (API 34)"
    assert apps.settings["http_proxy"] == ":0" and fake.reverses == {}
    assert observations.video is not None  # screenrecord through the fake: one segment
    assert any(a.kind == "tap" for a in observations.actions)
    assert "13812345678" not in observations.model_dump_json()  # the typed phone number is masked


def test_am_start_without_a_status_is_a_failed_launch_and_a_timeout_a_slow_one(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    _, apps, server = farm
    device = opened(server, tmp_path)
    apps.am_output = recorded("am_start_exception.txt")  # "Exception occurred while executing 'start'"
    with pytest.raises(DeviceError, match="SecurityException"):
        device.launch(run_setup(tmp_path, apk))
    device.finish()
    apps.am_output = recorded("am_start_timeout.txt")
    info = device.launch(run_setup(tmp_path, apk))
    assert info.launch_ms == 10342.0 and any("启动超时" in n for n in info.notes)
    device.finish()
    device.__exit__()


def test_a_remote_adb_server_sets_no_proxy_and_says_why(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, apps, server = farm
    # `adb reverse` would end on 10.1.2.3, where no capture proxy listens: no route, no traffic judged
    monkeypatch.setattr(AdbDeviceSpec, "remote_adb_host", property(lambda spec: "10.1.2.3"))
    device = opened(server, tmp_path)
    info = device.launch(run_setup(tmp_path, apk))
    assert not info.capture and "10.1.2.3" in info.capture_note
    assert "在手机所连的主机上运行 Fingertip" in info.capture_note  # what to do, as the README says (no relay)
    assert fake.reverses == {} and apps.settings["http_proxy"] == "null"
    device.finish()
    device.__exit__()


class PickerDriver(StandInDriver):
    """Shows one screen after another, a click moving to the next: the app, the system picker, …"""

    def __init__(self, screens: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.screens = screens
        self._show(0)

    def _show(self, index: int) -> None:
        self.shown = index
        self.current_package, self.current_activity, self.page_source = self.screens[index]

    def find_element(self, by: str, xpath: str) -> StandInElement:
        driver = self

        class Element(StandInElement):
            def click(self) -> None:
                super().click()
                driver._show(min(driver.shown + 1, len(driver.screens) - 1))

        return Element(self, xpath)


APP_SCREEN = (PACKAGE, ".MainActivity", recorded("appium_source.xml"))
UPLOAD = UiNode(ref="//android.widget.Button[@text='上传照片']", role="file", text="上传照片", clickable=True)


@pytest.mark.parametrize(("picker", "activity", "source", "clicks"), [
    # Android 13+ photo picker: no file names, cells described "Photo taken on …", newest first.
    ("com.google.android.providers.media.module", "com.android.providers.media.photopicker.PhotoPickerActivity",
     "photo_picker_source.xml",
     ["/hierarchy/android.widget.FrameLayout[1]/androidx.recyclerview.widget.RecyclerView[1]/"
      "android.widget.FrameLayout[1]"]),
    # MIUI's gallery: a grid of bare thumbnails, and 确定 to hand the choice back.
    ("com.miui.gallery", "com.miui.gallery.picker.PickGalleryActivity", "miui_gallery_picker_source.xml",
     ["/hierarchy/android.widget.FrameLayout[1]/android.widget.GridView[1]/android.widget.RelativeLayout[1]",
      "/hierarchy/android.widget.FrameLayout[1]/android.widget.TextView[2]"]),
])
def test_galleries_and_the_photo_picker_get_their_newest_picture(
        tmp_path: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer], picker: str, activity: str, source: str,
        clicks: list[str]) -> None:
    _, _, server = farm
    device = opened(server, tmp_path)
    shown = (picker, activity, recorded(source))
    driver = PickerDriver([APP_SCREEN, *[shown] * len(clicks), APP_SCREEN])  # each click in the picker moves on
    device._driver = driver
    device.choose_file(UPLOAD, tmp_path / "fingertip-canary-phone.jpg")
    assert [xpath for action, xpath in driver.actions if action == "click"] == [UPLOAD.ref, *clicks]
    assert driver.current_package == PACKAGE  # back in the app with the picture
    device.__exit__()


def test_without_a_run_there_is_no_app_to_return_to(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    """The shared run state: home() before a launch or after finish() is the explorer's (UiError), not a device
    fault, and the canary photo planted for the run is gone with it."""
    fake, _, server = farm
    device = opened(server, tmp_path)
    with pytest.raises(UiError, match="no app is running"):
        device.home()
    device.launch(run_setup(tmp_path, apk))
    planted = device.current_run().files
    assert planted and device.alive()
    device.home()
    device.finish()
    assert f"rm -f {planted[0]}" in fake.commands and not device.alive()
    assert "rm -f /sdcard/Download/fingertip-ca.crt" in fake.commands  # the capture CA leaves the phone too
    with pytest.raises(UiError):
        device.home()
    device.__exit__()


def test_hooks_are_closed_before_the_app_is_stopped(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    fake, _, server = farm
    device = opened(server, tmp_path)
    device.launch(run_setup(tmp_path, apk))
    seen: list[list[str]] = []
    device._hooks = type("Hooks", (), {"close": lambda self: seen.append(list(fake.commands)),
                                       "gate_pauses": {}})()
    device.finish()
    assert seen and not any(c.startswith(f"am force-stop {PACKAGE}") for c in seen[0][-3:])
    assert fake.commands.index(f"am force-stop {PACKAGE}", len(seen[0]) - 1) >= len(seen[0])
    device.__exit__()


def test_api_31_emulators_are_known_by_ro_boot_qemu(home: Path) -> None:
    fake = phone("R3CT30ABCDE")  # no `emulator-` serial: only the property tells
    fake.props.pop("ro.kernel.qemu")
    fake.props["ro.boot.qemu"] = "1"
    PhoneApps(fake).install()
    with FakeAdbServer(fake) as server:
        device = opened(server, home, serial="R3CT30ABCDE")
        assert device.describe()["emulator"] is True
        device.__exit__()


def test_a_frida_server_left_by_a_killed_sweep_is_stopped_when_the_device_is_opened(
        tmp_path: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    fake, _, server = farm
    fake.root = True
    fake.props["persist.device_config.runtime_native.usap_pool_enabled"] = "false"
    fake.processes[91] = ["/data/local/tmp/frida-server-17.0.0", "-l", "127.0.0.1:27042", "-D"]
    journal = Journal(Path.home() / ".cache" / "fingertip" / "journal" / "phone.json")
    journal.set("frida_server", {"path": "/data/local/tmp/frida-server-17.0.0", "usap_before": "true", "su": ""})
    device = opened(server, tmp_path)
    assert 91 not in fake.processes
    assert fake.props["persist.device_config.runtime_native.usap_pool_enabled"] == "true"
    assert "frida_server" not in journal.load()
    device.__exit__()


def test_probe_records_a_phones_outputs_and_how_they_parse(
        tmp_path: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    """`fingertip probe`: each output kept as the phone printed it, parsed on the spot, with its provenance; a
    command the phone refuses is a problem line, never an exception; nothing installed or started."""
    from harness.devices.probe import probe

    fake, _, server = farm
    before = len(fake.commands)
    results = probe(spec_for(server), tmp_path / "fixtures")
    by_file = {r.file: r for r in results}
    assert "Android 14 (API 34)" in by_file["getprop.txt"].parsed
    assert (tmp_path / "fixtures" / "getprop.txt").read_text().startswith("[")
    assert by_file["wm_size.txt"].parsed and not by_file["wm_size.txt"].problem
    assert all(r.parsed and not r.problem for r in results), [r for r in results if r.problem]
    assert "R58M12345AB" in (tmp_path / "fixtures" / "PROVENANCE.md").read_text()
    # what --record wrote is what the parsers read: the fixtures round-trip
    from harness.devices.android import output as out

    recorded_props = out.parse_getprop((tmp_path / "fixtures" / "getprop.txt").read_text(encoding="utf-8"))
    assert recorded_props["ro.build.version.sdk"] == fake.props["ro.build.version.sdk"]
    assert out.parse_wm_size((tmp_path / "fixtures" / "wm_size.txt").read_text(encoding="utf-8")) == (720, 1600)
    window = (tmp_path / "fixtures" / "uiautomator_dump.xml").read_text(encoding="utf-8")
    assert f"{len(out.screen_from_hierarchy(window, 'probe').nodes)} nodes" in by_file["uiautomator_dump.xml"].parsed
    assert "/data/local/tmp/fingertip-probe-window.xml" not in fake.files  # the dump left the phone again
    assert not [c for c in fake.commands[before:] if c.startswith(("pm install", "am start", "settings put"))]


def test_launch_time_leaves_out_the_frida_gate_and_the_logcat_ring_is_enlarged_first(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 500 ms the spawn gate held the app is the harness's, not the app's launch time; the logcat ring is
    enlarged before the app starts, so its early lines are still there when the run's log is read."""
    fake, _, server = farm
    device = opened(server, tmp_path)

    def hooks(setup: RunSetup, package: str) -> list[str]:
        device._hooks = type("Hooks", (), {"close": lambda self: None, "gate_pauses": {package: 0.5}})()
        return ["Frida stand-in"]

    monkeypatch.setattr(device, "_start_hooks", hooks)
    info = device.launch(run_setup(tmp_path, apk))
    assert info.launch_ms == 212.0  # TotalTime 712 ms less the gate's 500 ms
    assert any("Frida 注入暂停 500 ms" in n for n in info.notes)
    start = fake.commands.index(f"am start -W -n {PACKAGE}/{PACKAGE}.MainActivity")
    assert "logcat -G 16M" in fake.commands[:start]
    device.finish()
    device.__exit__()


def test_a_large_apk_gets_a_longer_install_timeout(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert android_module.install_timeout(300 * 2**20) == 720  # 12 minutes for 300 MB, not adb's 2
    _, _, server = farm
    device = opened(server, tmp_path)
    timeouts: list[float] = []
    shell2 = device._sh2

    def recording(command: str | list[str], timeout: float = 120) -> tuple[str, int]:
        if list(command)[:2] == ["pm", "install"]:
            timeouts.append(timeout)
        return shell2(command, timeout)

    monkeypatch.setattr(device, "_sh2", recording)
    device.launch(run_setup(tmp_path, apk))
    assert timeouts == [android_module.install_timeout(apk.stat().st_size)]
    device.finish()
    device.__exit__()


def test_behind_a_remote_adb_server_frida_and_scrcpy_go_to_its_host(
        tmp_path: Path, apk: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`adb forward` and scrcpy's forwarded tunnel listen on the adb server's host: Frida is reached at
    `<adb host>:<port>` and scrcpy is told `--tunnel-host`, with adb pointed at that server."""
    from harness.devices.android import record
    from harness.instrumentation import frida_server

    _, _, server = farm
    monkeypatch.setattr(AdbDeviceSpec, "remote_adb_host", property(lambda spec: "10.1.2.3"))
    made: list[dict[str, Any]] = []

    class Server:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(kwargs)

        def start(self) -> None:
            raise DeviceError("phone", "stand-in: no frida-server here")

        def stop(self) -> None:
            pass

    monkeypatch.setattr(frida_server, "FridaServer", Server)
    started: list[tuple[list[str], dict[str, str]]] = []

    class Scrcpy:
        def __init__(self, argv: list[str], env: dict[str, str], **kwargs: Any) -> None:
            started.append((argv, env))

    monkeypatch.setattr(record.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(record.subprocess, "Popen", Scrcpy)
    monkeypatch.setenv("ADB_SERVER_SOCKET", "tcp:192.0.2.9:5037")  # adb prefers it to ANDROID_ADB_SERVER_*
    device = AndroidDevice(spec_for(server, frida=True).model_copy(update={"recorder": "scrcpy"}), tmp_path)
    device.__enter__()
    device._driver = StandInDriver()
    info = device.launch(run_setup(tmp_path, apk))
    assert made and made[0]["host"] == "10.1.2.3"
    assert any("Frida 未运行" in n for n in info.notes)
    device.start_recording(tmp_path / "video.mp4")
    argv, env = started[0]
    assert "--tunnel-host=10.1.2.3" in argv
    assert (env["ANDROID_ADB_SERVER_ADDRESS"], env["ANDROID_ADB_SERVER_PORT"]) == ("127.0.0.1", str(server.port))
    assert "ADB_SERVER_SOCKET" not in env
    device._recorder = None
    device.finish()
    device.__exit__()


def test_probe_keeps_the_adb_commands_a_run_sends_with_their_raw_output(
        tmp_path: Path, farm: tuple[FakeAndroid, PhoneApps, FakeAdbServer]) -> None:
    """`probe --app` on Android: adb shell / shell2 calls are kept as the phone printed them (a streamed
    screenrecord is not), and the files read back through the parsers."""
    from harness.devices.android import output as out
    from harness.devices.probe import CommandRecorder

    _, _, server = farm
    device = opened(server, tmp_path)
    recorder = CommandRecorder(tmp_path / "outputs")
    recorder.attach(device)
    device._sh("wm size")
    device._sh2(["dumpsys", "activity", "activities"])
    device._sh2(["dumpsys", "activity", "activities"])  # a poll: kept once
    device.adb.shell("echo streamed", stream=True).close()
    recorder.write_index()
    index = json.loads((tmp_path / "outputs" / "commands.json").read_text(encoding="utf-8"))
    assert [(e["command"], e.get("exit")) for e in index] == [("wm size", None), ("dumpsys activity activities", 0)]
    kept = [(tmp_path / "outputs" / e["file"]).read_text(encoding="utf-8") for e in index]
    assert out.parse_wm_size(kept[0]) == (720, 1600)
    assert out.resumed_activity(kept[1])
    device.__exit__()
