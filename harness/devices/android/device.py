"""Android phones and emulators: adbutils for the device, Appium 3 UiAutomator2 for the UI.

Entering the device connects to its adb server (local or `host:port`), boots the AVD when the farm
entry names one, undoes what a crashed earlier sweep left behind (journal) and starts a local Appium
when asked. Each run: static precheck, install, clean state, proxy (`settings put global http_proxy`
+ `adb reverse`), canaries (position, gallery photo), Frida hooks when the entry enables them, then
`am start -W`. `finish` stops the app, collects logcat / dropbox crashes and restores the device.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import adbutils

from harness.config.farm import AdbDeviceSpec, AndroidDeviceSpec, AvdDeviceSpec
from harness.devices.android import output as out
from harness.devices.android.avd import AvdEmulator, EmulatorConsole, console_port
from harness.devices.android.record import ScrcpyRecorder, ScreenrecordChain
from harness.devices.common.appium_server import LocalAppium
from harness.devices.common.crash import utc_offset, write_crashes
from harness.devices.common.journal import Journal
from harness.devices.common.shell_device import ShellDevice, ShellRun
from harness.devices.common.webdriver_faults import classified
from harness.devices.protocol import CRASHES_FILE, LaunchInfo, RunSetup, VideoInfo
from harness.errors import AppIncompatible, DeviceError, UiError
from harness.static.facts import DeviceFacts, PackageFacts, refuse_if_blocked
from harness.static.inspect import read_package
from harness.ui.tree import Screen, UiNode

REMOTE_TMP = "/data/local/tmp"
LOGCAT_BUFFER = "16M"
"""Set per run (`logcat -G`): the default 256 KB ring loses a run's early lines before they are read."""
REMOTE_PROXY_NOTE = ("adb 服务器在另一台主机（{host}）：adb reverse 的端口落在该主机上，本机的抓包代理不可达；"
                     "本次不设置代理，依赖抓包的条款跳过；要抓包，请在手机所连的主机上运行 Fingertip（见 README）")
GALLERY = "/sdcard/DCIM/Camera"
LOGCAT_LIMIT = 20 * 2**20
"""logcat kept per run (bytes); the crash buffer is read in full."""
DROPBOX_TAGS = ("data_app_crash", "data_app_anr", "data_app_native_crash", "SYSTEM_TOMBSTONE")
GALLERIES = (
    # Android 13+ photo picker (MediaProvider module, Google and AOSP builds), its Compose successor, and the one
    # Play services backports to older releases.
    "com.google.android.providers.media.module", "com.android.providers.media.module", "com.google.android.photopicker",
    "com.google.android.gms.optional_photopicker",
    "com.android.gallery3d", "com.google.android.apps.photos",
    # OEM galleries that answer ACTION_PICK / GET_CONTENT on Chinese phones: MIUI, Huawei, OPPO / ColorOS (and its
    # older and OnePlus names), vivo, Honor.
    "com.miui.gallery", "com.huawei.photos", "com.coloros.gallery3d", "com.oppo.gallery3d", "com.oneplus.gallery",
    "com.vivo.gallery", "com.hihonor.photos",
)
"""Pickers that show pictures as a grid of thumbnails, newest first, with no file name to find the canary by."""
PICKERS = ("com.android.documentsui", "com.google.android.documentsui", *GALLERIES)
"""System pickers an app's "choose a picture" opens."""
CONFIRM_LABELS = ("确定", "完成", "选择", "添加", "Done", "Add", "OK", "Select")
"""What a multi-select gallery (MIUI, Honor) wants tapped after the picture before it returns it."""
DANGEROUS = ("android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION",
             "android.permission.ACCESS_BACKGROUND_LOCATION", "android.permission.CAMERA",
             "android.permission.READ_EXTERNAL_STORAGE", "android.permission.READ_MEDIA_IMAGES",
             "android.permission.READ_MEDIA_VIDEO", "android.permission.RECORD_AUDIO",
             "android.permission.POST_NOTIFICATIONS", "android.permission.READ_PHONE_STATE")
"""Runtime permissions granted after `pm clear`, so the walk reaches what they guard."""


def install_timeout(size: int) -> float:
    """Seconds `pm install` may take: dex2oat of a large APK takes minutes on slow phones, so 2 minutes plus
    2 s a megabyte (a 300 MB APK: 12 minutes)."""
    return 120 + 2 * size / 2**20


def adb_client(spec: AdbDeviceSpec) -> adbutils.AdbClient:
    return adbutils.AdbClient(host=spec.adb_address.host, port=spec.adb_address.port)


def ca_notes(api: int, facts: PackageFacts) -> list[str]:
    """What the capture CA can and cannot see on this Android version."""
    if api < 24:
        return ["Android 7 以下：应用信任用户证书，抓包 CA 可手动安装（/sdcard/Download/fingertip-ca.crt）"]
    notes = ["Android 7+：应用默认不信任用户证书，HTTPS 内容依靠 Frida tls 注入抓包 CA（需 root）"]
    if facts.network_security_config:
        notes.append(f"应用声明 networkSecurityConfig（{facts.network_security_config}），可能固定证书")
    if api >= 34:
        notes.append("Android 14+：系统证书在 APEX（com.android.conscrypt）中，无法写入系统证书目录")
    return notes


class AndroidDevice(ShellDevice):
    PICKERS = PICKERS

    def __init__(self, spec: AndroidDeviceSpec | AvdDeviceSpec, work_dir: Path,
                 client: adbutils.AdbClient | None = None) -> None:
        self.spec = spec
        self.work_dir = work_dir
        self.client = client or adb_client(spec)
        self.journal = Journal(Path.home() / ".cache" / "fingertip" / "journal" / f"{spec.id}.json")
        self.adb: Any = None
        self.serial = getattr(spec, "serial", "")
        self.props: dict[str, str] = {}
        self.size = (0, 0)
        self._stack = contextlib.ExitStack()
        self._appium: LocalAppium | None = None
        self._emulator: AvdEmulator | None = None
        self._driver: Any = None
        self._recorder: ScreenrecordChain | ScrcpyRecorder | None = None
        self._frida_server: Any = None
        self._frida_problem = ""
        self._hooks: Any = None
        self._installed: set[str] = set()
        self._run: ShellRun | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    def __repr__(self) -> str:
        return f"<AndroidDevice {self.id} {self.serial or self.spec.kind}>"

    # ── device lifetime ────────────────────────────────────────────────────────────────────
    def __enter__(self) -> AndroidDevice:
        try:
            if isinstance(self.spec, AvdDeviceSpec):
                self._emulator = self._stack.enter_context(AvdEmulator(
                    self.id, self.spec.avd, self.client, self.work_dir / f"emulator-{self.id}.log", self.spec.wipe))
                self.serial = self._emulator.serial
            self.adb = self.client.device(self.serial)
            check_state(self.client, self.serial, self.id)
            self.props = out.parse_getprop(self._sh("getprop"))
            self.size = out.parse_wm_size(self._sh("wm size")) or (0, 0)
            self._undo_journal()
            if self.spec.appium == "local":
                self._appium = self._stack.enter_context(LocalAppium(self.id, self.work_dir / f"appium-{self.id}.log"))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.finish()  # may fail on a device that is gone: what this harness started is stopped anyway
        finally:
            driver, self._driver = self._driver, None
            if driver is not None:
                with contextlib.suppress(Exception):
                    driver.quit()
            try:
                if self._frida_server is not None:
                    self._frida_server.stop()
            finally:
                self._frida_server = None
                self._stack.close()

    @property
    def api(self) -> int:
        return int(self.props.get("ro.build.version.sdk", "0") or 0)

    @property
    def abis(self) -> tuple[str, ...]:
        listed = self.props.get("ro.product.cpu.abilist") or self.props.get("ro.product.cpu.abi", "")
        return tuple(a for a in listed.split(",") if a)

    @property
    def is_emulator(self) -> bool:
        """`ro.boot.qemu` marks emulators from API 31 on (`ro.kernel.qemu` before)."""
        return ("1" in (self.props.get("ro.boot.qemu"), self.props.get("ro.kernel.qemu"))
                or self.serial.startswith("emulator-"))

    def describe(self) -> dict[str, Any]:
        release = self.props.get("ro.build.version.release", "?")
        return {"platform": "android", "os": f"Android {release} (API {self.api})", "labels": list(self.spec.labels),
                "serial": self.serial, "model": self.props.get("ro.product.model", ""),
                "manufacturer": self.props.get("ro.product.manufacturer", ""), "abis": list(self.abis),
                "fingerprint": self.props.get("ro.build.fingerprint", ""),
                "emulator": self.is_emulator,
                "screen": f"{self.size[0]}x{self.size[1]}"}

    # ── shell ──────────────────────────────────────────────────────────────────────────────
    def _sh(self, command: str | list[str], timeout: float = 60) -> str:
        """Run a shell command; adb trouble (device gone) is a DeviceError, the exit code is ignored."""
        try:
            return str(self.adb.shell(command, timeout=timeout))
        except adbutils.AdbError as e:
            raise DeviceError(self.id, f"adb shell {command!r}: {e}") from e

    def _sh2(self, command: str | list[str], timeout: float = 120) -> tuple[str, int]:
        try:
            result = self.adb.shell2(command, timeout=timeout)
        except adbutils.AdbError as e:
            raise DeviceError(self.id, f"adb shell {command!r}: {e}") from e
        return str(result.output), int(result.returncode)

    # ── recording ──────────────────────────────────────────────────────────────────────────
    def start_recording(self, path: Path) -> None:
        use_scrcpy = self.spec.recorder == "scrcpy" or (self.spec.recorder == "auto" and _scrcpy_installed())
        if use_scrcpy:
            server = self.spec.adb_server
            where = (server.host, server.port) if server else None
            self._recorder = ScrcpyRecorder(self.serial, self.id, self.size, where, self.spec.remote_adb_host)
        else:
            self._recorder = ScreenrecordChain(self.adb, self.id, self.size)
        self._recorder.start(path)

    def stop_recording(self) -> VideoInfo | None:
        recorder, self._recorder = self._recorder, None
        return recorder.stop() if recorder else None

    # ── one run ────────────────────────────────────────────────────────────────────────────
    def launch(self, setup: RunSetup) -> LaunchInfo:
        apk = setup.scenario.entry_path()
        facts = read_package(apk)
        refuse_if_blocked(self.id, facts, DeviceFacts(self.api, self.abis, self.describe()["os"]))
        if not facts.launcher:
            raise DeviceError(self.id, f"{apk.name} has no launcher activity (MAIN/LAUNCHER)")
        self._install(apk, facts)
        package = facts.package
        self._run = ShellRun(app=package, setup=setup, since=self._device_clock())
        notes = ca_notes(self.api, facts)
        self._sh(["am", "force-stop", package])
        self._sh(["pm", "clear", package])
        self._grant(facts)
        capture, capture_note = self._route(setup.proxy_url)
        if capture_note:
            notes.append(capture_note)
        self._sh2(["logcat", "-G", LOGCAT_BUFFER])  # refused on a few builds: the default ring is kept then
        self._ensure_driver()
        notes += self._plant_canaries(setup)
        notes += self._start_hooks(setup, package)
        component = f"{package}/{facts.launcher}"
        self._run.entry = component
        started = time.time()
        output, _ = self._sh2(["am", "start", "-W", "-n", component])
        launched = out.parse_am_start(output)
        if not launched.ok:
            raise DeviceError(self.id, f"`am start -W -n {component}`: {launched.error}", output)
        if launched.launch_state:
            notes.append(f"启动方式 {launched.launch_state}")
        launch_ms = launched.total_ms
        if launched.timed_out:  # launched, but no first frame while am waited: WaitTime is a lower bound
            launch_ms = launched.wait_ms
            notes.append(f"启动超时：am start -W 在 {launched.wait_ms or 0:.0f} ms 内未等到首帧（Status: timeout）")
        paused = self._hooks.gate_pauses.get(package, 0.0) if self._hooks is not None else 0.0
        if launch_ms is not None and paused:  # the Frida spawn-gating hold is the harness's, not the app's
            launch_ms = max(0.0, launch_ms - paused * 1000)
            notes.append(f"启动耗时已扣除 Frida 注入暂停 {paused * 1000:.0f} ms")
        return LaunchInfo(started=started, launch_ms=launch_ms, notes=notes, capture=capture,
                          capture_note="" if capture else capture_note)

    def _install(self, apk: Path, facts: PackageFacts) -> None:
        digest = hashlib.sha256(apk.read_bytes()).hexdigest()
        if digest in self._installed:
            return
        remote = f"{REMOTE_TMP}/fingertip-{facts.package}.apk"
        try:
            self.adb.sync.push(apk, remote)
        except adbutils.AdbError as e:
            raise DeviceError(self.id, f"push {apk.name} to {remote}: {e}") from e
        flags = ["-r", "-t"] + (["-g"] if self.api >= 23 else [])
        timeout = install_timeout(apk.stat().st_size)
        try:
            printed = self._sh2(["pm", "install", *flags, remote], timeout=timeout)[0]
            outcome = out.parse_install(printed)
            if outcome.reason in out.REINSTALL_CLEAN:  # another signature or a newer version: start clean
                self._sh(["pm", "uninstall", facts.package])
                printed = self._sh2(["pm", "install", *flags, remote], timeout=timeout)[0]
                outcome = out.parse_install(printed)
        finally:
            self._sh(["rm", "-f", remote])
        if outcome.reason in out.INCOMPATIBLE:
            raise AppIncompatible(self.id, f"安装失败 {outcome.reason}: {outcome.message}", reason=outcome.reason)
        if not outcome.ok:
            raise DeviceError(self.id, f"install {apk.name} failed: {outcome.reason} {outcome.message}".strip(),
                              printed)
        self._installed.add(digest)

    def uninstall(self, package: str) -> None:
        self._sh(["pm", "uninstall", package])
        self._installed.clear()

    def _grant(self, facts: PackageFacts) -> None:
        if self.api < 23:
            return
        for permission in facts.permissions:
            if permission in DANGEROUS:  # some are not runtime permissions on every version: ignore refusals
                self._sh2(["pm", "grant", facts.package, permission])

    def _device_clock(self) -> float:
        """Device epoch seconds; logcat is read from this time on."""
        output = self._sh("date +%s").strip()
        return float(output) if output.isdigit() else time.time()

    # ── traffic ────────────────────────────────────────────────────────────────────────────
    def _route(self, proxy_url: str) -> tuple[bool, str]:
        """The system proxy through `adb reverse`; refused (no capture, saying why) when the reverse port
        would end on a remote adb server's host."""
        host = self.spec.remote_adb_host
        if host is not None:
            return False, REMOTE_PROXY_NOTE.format(host=host)
        port = urlsplit(proxy_url).port
        journal = self.journal.load()
        if "http_proxy" not in journal:  # keep the value from before the first change
            self.journal.set("http_proxy", self._sh("settings get global http_proxy").strip())
        try:
            self.adb.reverse(f"tcp:{port}", f"tcp:{port}")
        except adbutils.AdbError as e:
            raise DeviceError(self.id, f"adb reverse tcp:{port}: {e}") from e
        self.journal.set("reverse", f"tcp:{port}")
        self._sh(["settings", "put", "global", "http_proxy", f"127.0.0.1:{port}"])
        return True, ""

    def _unroute(self) -> None:
        journal = self.journal.load()
        if "http_proxy" in journal:
            before = str(journal["http_proxy"])
            # `:0` clears the proxy at once (deleting the setting takes effect only after a reboot).
            value = before if before and before not in ("null", ":0") else ":0"
            self._sh(["settings", "put", "global", "http_proxy", value])
            self.journal.drop("http_proxy")
        if "reverse" in journal:
            with contextlib.suppress(adbutils.AdbError):
                self.adb.reverse_remove(str(journal["reverse"]))
            self.journal.drop("reverse")

    def _undo_journal(self) -> None:
        journal = self.journal.load()
        if journal:
            self._unroute()
            for remote in journal.get("files", []):
                self._sh(["rm", "-f", remote])
            self.journal.drop("files")
        if journal.get("frida_server"):  # a sweep killed outright left its frida-server running
            from harness.instrumentation.frida_server import FridaServer, FridaServerError

            leftover = FridaServer(self.adb, self.id, journal=self.journal)
            with contextlib.suppress(FridaServerError):
                leftover._become_root()
                leftover.stop_leftover()

    # ── canaries ───────────────────────────────────────────────────────────────────────────
    def _plant_canaries(self, setup: RunSetup) -> list[str]:
        notes: list[str] = []
        location = setup.scenario.canaries.location
        port = console_port(self.serial)
        if port is not None and self.spec.remote_adb_host is None:  # the console listens on the adb host
            EmulatorConsole(port).geo_fix(location.latitude, location.longitude)
            notes.append("模拟定位：emulator console geo fix")
        elif self._driver is not None:
            try:
                self._driver.set_location(location.latitude, location.longitude, 0)
                notes.append("模拟定位：Appium (io.appium.settings mock location)")
            except Exception as e:  # Appium raises WebDriverException subclasses
                notes.append(f"模拟定位失败：{e}")
        remote = f"{GALLERY}/fingertip-canary-{self.id}.jpg"
        try:
            self.adb.sync.push(setup.canary_photo, remote)
        except adbutils.AdbError as e:
            raise DeviceError(self.id, f"push the canary photo to {remote}: {e}") from e
        self.journal.set("files", [remote])
        self.current_run().files.append(remote)
        self._scan(remote)
        ca = "/sdcard/Download/fingertip-ca.crt"
        with contextlib.suppress(adbutils.AdbError):
            self.adb.sync.push(setup.ca_cert, ca)
            self.current_run().files.append(ca)  # removed with the photo when the run ends
            self.journal.set("files", list(self.current_run().files))
        return notes

    def _scan(self, remote: str) -> None:
        """Let the gallery (MediaStore) see a file that was pushed or removed."""
        if self.api >= 29:
            self._sh2(["content", "call", "--uri", "content://media", "--method", "scan_volume",
                       "--arg", "external_primary"])
        else:
            self._sh2(["am", "broadcast", "-a", "android.intent.action.MEDIA_SCANNER_SCAN_FILE", "-d",
                       f"file://{remote}"])

    # ── hooks ──────────────────────────────────────────────────────────────────────────────
    def _start_hooks(self, setup: RunSetup, package: str) -> list[str]:
        frida_spec = self.spec.frida
        if not frida_spec.enabled or setup.device_hooks is None:
            return ["Frida 未启用（farm 配置）"]
        from harness.instrumentation.frida_server import FridaServer
        from harness.instrumentation.frida_session import FRIDA_ERRORS, AgentSession, InstrumentationError

        if self._frida_server is None and not self._frida_problem:
            server = FridaServer(self.adb, self.id, frida_spec.server, port=frida_spec.port,
                                 host=self.spec.remote_adb_host or "127.0.0.1", journal=self.journal)
            try:
                server.start()
                self._frida_server = server
            except DeviceError as e:
                server.stop()
                self._frida_problem = str(e)
        if self._frida_server is None:
            return [f"Frida 未运行，本次无运行时钩子：{self._frida_problem}"]
        try:
            hooks = AgentSession(self._frida_server.frida_device(), setup.device_hooks, frida_spec.families,
                                 setup.ca_cert.read_text(encoding="utf-8"))
            hooks.gate_spawns(lambda identifier: identifier == package or identifier.startswith(package + ":"))
        except (InstrumentationError, *FRIDA_ERRORS) as e:
            return [f"Frida 钩子未加载：{e}"]
        self._hooks = hooks
        return [f"Frida {frida_spec.families}：进程启动前注入"]

    # ── end of a run ───────────────────────────────────────────────────────────────────────
    # (finish(): ShellDevice, in this order)
    def _connected(self) -> bool:
        return self.adb is not None

    def _before_stop(self, run: ShellRun) -> None:
        hooks, self._hooks = self._hooks, None
        if hooks is not None:  # flushed and detached first: a force-stopped process loses its queue
            hooks.close()

    def _stop_app(self, app: str) -> None:
        self._sh(["am", "force-stop", app])

    def _remove_file(self, remote: str) -> None:
        self._sh(["rm", "-f", remote])
        self._scan(remote)

    def _collect_logs(self, run: ShellRun) -> None:
        setup = run.setup
        package, since = run.app, run.since
        offset = time.time() - self._device_clock()  # device clock → run clock
        log = self._sh(f"logcat -d -v threadtime -v epoch -b main,system,crash -t {since:.3f}", timeout=120)
        (setup.run_dir / "logcat.txt").write_text(log[-LOGCAT_LIMIT:], encoding="utf-8")
        crashes = out.logcat_crashes(log, package)
        zone = utc_offset(self._sh("date +%z"))
        for tag in DROPBOX_TAGS:
            crashes += out.dropbox_crashes(self._sh(["dumpsys", "dropbox", "--print", tag], timeout=120), package,
                                           since, zone)
        write_crashes(setup.run_dir / CRASHES_FILE, crashes, offset)

    def _running(self, app: str) -> bool:
        try:
            return int(self.adb.shell2(["pidof", app]).returncode) == 0
        except adbutils.AdbError:
            return False

    def healthy(self) -> bool:
        """adb still lists the device, and the UiAutomator2 session (when one is open) still answers a
        command that no app UI can answer for it."""
        try:
            if check_state(self.client, self.serial, self.id) != "device":
                return False
            if self._driver is not None:
                self._driver.orientation  # noqa: B018 — the command is the probe
            return True
        except Exception:  # adb or the session gone: that is the answer
            return False

    def _driving(self, what: str) -> contextlib.AbstractContextManager[None]:
        return classified(self.id, what, self.healthy)

    def metrics(self) -> dict[str, float]:
        package = self._run.app if self._run is not None else None
        if not package:
            return {}
        pss = out.meminfo_pss_kb(self._sh(["dumpsys", "meminfo", package]))
        return {"memory_mb": round(pss / 1024, 1)} if pss else {}

    # ── UI (Appium UiAutomator2) ───────────────────────────────────────────────────────────
    def _ensure_driver(self) -> None:
        if self._driver is not None:
            try:
                self._driver.current_package  # noqa: B018 - a cheap call tells a live session
                return
            except Exception:
                self._driver = None
        from appium import webdriver
        from appium.options.android import UiAutomator2Options
        from selenium.common.exceptions import WebDriverException

        from harness import tools

        options = UiAutomator2Options()
        options.udid = self.serial
        options.no_reset = True
        options.auto_grant_permissions = False
        options.new_command_timeout = 600
        options.disable_window_animation = True
        options.system_port = tools.free_port()  # one UiAutomator2 server port per device
        options.set_capability("appium:autoLaunch", False)
        if self.spec.adb_server is not None:
            options.set_capability("appium:remoteAdbHost", self.spec.adb_server.host)
            options.set_capability("appium:adbPort", self.spec.adb_server.port)
        url = self._appium.url if self._appium else self.spec.appium
        try:
            self._driver = webdriver.Remote(url, options=options)
        except WebDriverException as e:
            raise DeviceError(self.id, f"UiAutomator2 session did not start at {url}: {e.msg}") from e

    def _source(self) -> str:
        return str(self._driver.page_source)

    def settle(self, timeout: float) -> None:
        """Wait until two page sources a moment apart are the same (or `timeout`)."""
        deadline = time.monotonic() + timeout
        previous = ""
        while time.monotonic() < deadline:
            current = self._source()
            if current == previous:
                return
            previous = current
            time.sleep(0.3)

    def screen(self) -> Screen:
        with self._driving("page source"):
            source = self._source()
        try:
            key = f"{self._driver.current_package}/{self._driver.current_activity}"
        except Exception:
            key = out.resumed_activity(self._sh(["dumpsys", "activity", "activities"])) or "?"
        return out.screen_from_hierarchy(source, key)

    def _pick_unnamed(self, picker: Screen, name: str) -> None:
        """A gallery or the photo picker shows no names (DocumentsUI does): the newest picture, since the
        canary was planted and scanned just before the run."""
        newest = out.newest_in_grid(picker) if picker.key.startswith(GALLERIES) else None
        if newest is None:
            raise UiError(self.id, f"the picker {picker.key} does not show {name}")
        self.tap(newest)
        self.settle(3)
        after = self.screen()
        if after.key.startswith(GALLERIES):  # still there: a multi-select gallery waiting for its confirm
            confirm = [n for n in after.nodes if n.clickable and n.label.strip() in CONFIRM_LABELS]
            if not confirm:
                raise UiError(self.id, f"the gallery {after.key} kept the picture without a confirm to tap")
            self.tap(confirm[0])

    def tap(self, node: UiNode) -> None:
        from appium.webdriver.common.appiumby import AppiumBy
        from selenium.common.exceptions import WebDriverException

        try:
            self._driver.find_element(AppiumBy.XPATH, node.ref).click()
        except WebDriverException:  # moved or re-rendered: tap where it was drawn
            x1, y1, x2, y2 = node.bounds
            with self._driving(f"tap {node.label!r}"):
                self._driver.execute_script("mobile: clickGesture", {"x": (x1 + x2) // 2, "y": (y1 + y2) // 2})

    def type_text(self, node: UiNode, text: str) -> None:
        from appium.webdriver.common.appiumby import AppiumBy

        with self._driving(f"type into {node.label!r}"):
            element = self._driver.find_element(AppiumBy.XPATH, node.ref)
            element.clear()
            element.send_keys(text)  # UiAutomator2 sets the text directly: Chinese needs no IME
        with contextlib.suppress(Exception):
            self._driver.hide_keyboard()

    def back(self) -> None:
        self._driver.back()

    def _start_entry(self, run: ShellRun) -> None:
        component = run.entry
        # NEW_TASK | CLEAR_TASK: the launcher activity on top of an emptied task.
        output, _ = self._sh2(["am", "start", "-W", "-f", "0x10008000", "-n", component])
        if not out.parse_am_start(output).ok:
            raise DeviceError(self.id, f"could not return to {component}", output)

    def screenshot(self, path: Path) -> Path:
        if self._driver is not None and self._driver.save_screenshot(str(path)):
            return path
        try:
            self.adb.screenshot().save(path)
        except (adbutils.AdbError, OSError) as e:
            raise DeviceError(self.id, f"screenshot to {path} failed: {e}") from e
        return path


def check_state(client: adbutils.AdbClient, serial: str, device_id: str) -> str:
    """The device's adb state, or a DeviceError that says what to do about it."""
    try:
        listed = {d.serial: d.state for d in client.list()}
    except adbutils.AdbError as e:
        raise DeviceError(device_id, f"no adb server at {client.host}:{client.port}: {e}") from e
    state = listed.get(serial)
    advice = {
        None: f"{serial} is not connected to the adb server at {client.host}:{client.port} "
              f"(connected: {', '.join(listed) or 'none'})",
        "unauthorized": f"{serial} is unauthorized: accept the USB debugging prompt on the phone",
        "offline": f"{serial} is offline: reconnect it or restart adbd (`adb reconnect offline`)",
        "recovery": f"{serial} is in recovery mode", "bootloader": f"{serial} is in the bootloader",
    }
    if state != "device":
        raise DeviceError(device_id, advice.get(state, f"{serial} is {state}"))
    return state


def _scrcpy_installed() -> bool:
    from harness import tools

    return tools.scrcpy().path is not None
