"""HarmonyOS NEXT phones and DevEco emulators through hdc.

Frida does not support HarmonyOS NEXT: runs rely on capture, UI and logs, and every run's notes say
so. Entering the device starts the named DevEco emulator when asked (and stops only that), checks the
target on hdc and reads the system's facts. Each run: static precheck of the .hap / .app, install,
clean data, the proxy route (`hdc rport` to the capture proxy for the `wifi` / `app` methods), the
canary photo, `aa start` of the main ability (from `bm dump -n`). UI from `uitest dumpLayout`, input
through `uitest uiInput`; screenshots with `snapshot_display`; crashes from faultlogger, hilog kept.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from harness.config.farm import HarmonyDeviceSpec
from harness.devices.common.crash import utc_offset, write_crashes
from harness.devices.common.journal import Journal
from harness.devices.common.shell_device import ShellDevice, ShellRun
from harness.devices.harmony import output as out
from harness.devices.harmony.deveco import DevEcoEmulator
from harness.devices.harmony.hdc import Hdc, list_targets
from harness.devices.harmony.record import SnapshotRecorder
from harness.devices.protocol import CRASHES_FILE, LaunchInfo, RunSetup, VideoInfo
from harness.errors import AppIncompatible, DeviceError, HostError
from harness.instrumentation import HOOK_PROBLEM
from harness.static.facts import DeviceFacts, PackageError, PackageFacts, refuse_if_blocked
from harness.static.hap import app_haps
from harness.static.inspect import read_package
from harness.ui.tree import Screen, UiNode

REMOTE = "/data/local/tmp"
FAULTLOGS = "/data/log/faultlog/faultlogger"
HILOG_LIMIT = 20 * 2**20
PICKERS = ("com.huawei.hmos.photos", "com.ohos.photos", "com.huawei.hmos.filemanager", "com.ohos.filepicker")
NO_FRIDA = "HarmonyOS NEXT：Frida 不支持，本次无运行时钩子；依据抓包、界面与日志判断"
REMOTE_PROXY_NOTE = ("hdc 服务器在另一台主机（{host}）：hdc rport 的端口落在该主机上，本机的抓包代理不可达；"
                     "本次不设置代理，依赖抓包的条款跳过")
PROXY_NOTES = {
    "wifi": "流量经设备 Wi-Fi 代理 127.0.0.1:{port}（hdc rport 到抓包代理）；HTTPS 内容需设备信任抓包 CA"
            "（设置中手动安装，HarmonyOS NEXT 应用默认仅信任系统 CA）",
    "app": "流量经应用自身配置的代理 127.0.0.1:{port}（hdc rport 到抓包代理）",
}


class HarmonyDevice(ShellDevice):
    PICKERS = PICKERS

    def __init__(self, spec: HarmonyDeviceSpec, work_dir: Path) -> None:
        self.spec = spec
        self.work_dir = work_dir
        self.hdc = Hdc(spec.id, spec.target, spec.hdc_server)
        self.journal = Journal(Path.home() / ".cache" / "fingertip" / "journal" / f"{spec.id}.json")
        self.params: dict[str, str] = {}
        self.size = (0, 0)
        self._stack = contextlib.ExitStack()
        self._recorder: SnapshotRecorder | None = None
        self._installed: set[str] = set()
        self._run: ShellRun | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix=f"fingertip-{spec.id}-"))  # pulled screenshots, layouts, HAPs
        self._stack.callback(shutil.rmtree, self._scratch, ignore_errors=True)

    @property
    def id(self) -> str:
        return self.spec.id

    def __repr__(self) -> str:
        return f"<HarmonyDevice {self.id} {self.spec.target}>"

    # ── device lifetime ────────────────────────────────────────────────────────────────────
    def __enter__(self) -> HarmonyDevice:
        try:
            if self.spec.emulator:
                self._stack.enter_context(DevEcoEmulator(self.id, self.spec.emulator, self.spec.target,
                                                         self.spec.hdc_server, self.work_dir / f"deveco-{self.id}.log"))
            check_target(self.spec)
            for name in ("const.ohos.apiversion", "const.product.software.version", "const.product.model",
                         "const.product.cpu.abilist", "const.ohos.fullname", "bootevent.boot.completed"):
                self.params[name] = self.hdc.param(name)
            if self.params["bootevent.boot.completed"] != "true":
                raise DeviceError(self.id, f"{self.spec.target} has not finished booting (bootevent.boot.completed "
                                           f"= {self.params['bootevent.boot.completed'] or 'unknown'})")
            self._keep_awake()
            self.size = self._screen_size()
            self._undo_journal()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.finish()  # may fail on a device that is gone: the emulator this harness started is stopped anyway
        finally:
            self._stack.close()

    @property
    def api(self) -> int:
        value = self.params.get("const.ohos.apiversion", "")
        return int(value) if value.isdigit() else 0

    @property
    def abis(self) -> tuple[str, ...]:
        """Native ABIs, or () when unknown: emulators and some builds answer `default`, which names none."""
        return tuple(a for a in self.params.get("const.product.cpu.abilist", "").split(",") if a and a != "default")

    def describe(self) -> dict[str, Any]:
        version = self.params.get("const.product.software.version") or self.params.get("const.ohos.fullname", "")
        return {"platform": "harmony", "os": f"HarmonyOS {version} (API {self.api})".replace("  ", " "),
                "labels": list(self.spec.labels), "target": self.spec.target,
                "model": self.params.get("const.product.model", ""), "abis": list(self.abis),
                "emulator": self.spec.emulator is not None or self.spec.target.startswith("127.0.0.1:"),
                "screen": f"{self.size[0]}x{self.size[1]}", "hooks": "none (Frida does not support HarmonyOS NEXT)",
                "video": f"screenshots every {self.spec.frame_interval_s:g} s"}

    def _screen_size(self) -> tuple[int, int]:
        layout = self._layout()
        bounds = out.bounds_of(str(layout.get("attributes", {}).get("bounds", "")))
        return bounds[2] - bounds[0], bounds[3] - bounds[1]

    # ── recording ──────────────────────────────────────────────────────────────────────────
    def start_recording(self, path: Path) -> None:
        self._recorder = SnapshotRecorder(self.hdc, self.size, self.spec.frame_interval_s)
        self._recorder.start(path)

    def stop_recording(self) -> VideoInfo | None:
        recorder, self._recorder = self._recorder, None
        return recorder.stop() if recorder else None

    # ── one run ────────────────────────────────────────────────────────────────────────────
    def launch(self, setup: RunSetup) -> LaunchInfo:
        package = setup.scenario.entry_path()
        facts = read_package(package)
        refuse_if_blocked(self.id, facts, DeviceFacts(self.api, self.abis, self.describe()["os"]))
        self._install(package, facts)
        bundle = facts.package
        module, ability = out.main_ability(out.bundle_info(self.hdc.shell(f"bm dump -n {bundle}"))) or (
            str(facts.extra.get("module", "")), facts.launcher or "")
        if not ability:
            raise DeviceError(self.id, f"{package.name}: no main ability in bm dump or module.json")
        self._run = ShellRun(app=bundle, setup=setup, since=self._device_clock(), entry=ability, module=module)
        self.hdc.shell(f"aa force-stop {bundle}")
        cleaned = self.hdc.shell(f"bm clean -n {bundle} -d")
        if "successfully" not in cleaned:  # bm prints `error: failed to clean bundle data files.` and exits 0
            raise DeviceError(self.id, f"bm clean -n {bundle} -d: {cleaned.strip()[:300]}", cleaned)
        notes = [NO_FRIDA, "位置金丝雀：HarmonyOS 无可由 hdc 设置的模拟定位，位置上报依据应用自身数据判断"]
        capture, capture_note = self._route(setup.proxy_url)
        notes.append(capture_note)
        notes += self._plant_photo(setup)
        self._unlock()
        started = time.time()
        self._aa_start(bundle, ability, module)
        launch_ms = self._wait_foreground(bundle, started)
        notes.append("启动耗时：从 aa start 到应用在前台（轮询 aa dump -l，近似值）")
        return LaunchInfo(started=started, launch_ms=launch_ms, notes=notes, capture=capture,
                          capture_note="" if capture else capture_note)

    def _install(self, package: Path, facts: PackageFacts) -> None:
        key = f"{package}:{package.stat().st_mtime_ns}"
        if key in self._installed:
            return
        printed = self._install_output(package)
        outcome = out.parse_install(printed)
        if outcome.reason == out.SIGNATURE_CLASH:  # another signature installed: start clean
            self.hdc.run("uninstall", facts.package)
            printed = self._install_output(package)
            outcome = out.parse_install(printed)
        if out.incompatible(outcome):
            raise AppIncompatible(self.id, f"安装失败 {outcome.reason}: {outcome.message}", reason=outcome.reason)
        if outcome.reason == out.UNTRUSTED_SOURCE:  # the lab's signing, not the app's fault nor the device's
            raise HostError(f"device {self.id}: {out.NOT_TRUSTED_ADVICE}（{outcome.message}）")
        if not outcome.ok:
            raise DeviceError(self.id, f"install {package.name} failed: {outcome.reason} {outcome.message}".strip(),
                              printed)
        self._installed.add(key)

    def _install_output(self, package: Path) -> str:
        """`hdc install -r`; an .app that this hdc cannot install (older hdc: `[Fail][E006001] Not any installation
        package was found.`) is installed as its HAPs, the entry HAP first (hdc takes several paths at once)."""
        try:
            return self.hdc.run("install", "-r", str(package), timeout=300)
        except DeviceError as e:
            if package.suffix.lower() != ".app" or "E006001" not in e.output:
                raise
        folder = self._scratch / "haps"
        shutil.rmtree(folder, ignore_errors=True)
        try:
            haps = app_haps(package, folder)
        except PackageError as e:
            raise DeviceError(self.id, f"this hdc cannot install an .app (E006001) and the HAPs of {package.name} "
                                       f"could not be taken out: {e}") from e
        return self.hdc.run("install", "-r", *map(str, haps), timeout=300)

    def uninstall(self, bundle: str) -> None:
        self.hdc.run("uninstall", bundle)
        self._installed.clear()

    def _device_clock(self) -> float:
        value = self.hdc.shell("date +%s").strip()
        return float(value) if value.isdigit() else time.time()

    def _wait_foreground(self, bundle: str, started: float, timeout: float = 30) -> float | None:
        while time.time() - started < timeout:
            if any(b == bundle for b, _ in out.foreground_abilities(self.hdc.shell("aa dump -l"))):
                return round((time.time() - started) * 1000, 1)
            time.sleep(0.2)
        return None

    # ── traffic ────────────────────────────────────────────────────────────────────────────
    def _route(self, proxy_url: str) -> tuple[bool, str]:
        if self.spec.proxy == "none":
            return False, "未配置代理（farm: proxy: none），流量未抓包"
        server = self.spec.hdc_server
        if server is not None and not server.is_local:  # `hdc rport` ends on the server's host, as adb reverse does
            return False, REMOTE_PROXY_NOTE.format(host=server.host)
        host_port = int(urlsplit(proxy_url).port or 0)
        self.hdc.rport(self.spec.proxy_port, host_port)
        self.journal.set("rport", [self.spec.proxy_port, host_port])
        return True, PROXY_NOTES[self.spec.proxy].format(port=self.spec.proxy_port)

    def _unroute(self) -> None:
        ports = self.journal.load().get("rport")
        if ports:
            with contextlib.suppress(DeviceError):
                self.hdc.rport_remove(int(ports[0]), int(ports[1]))
            self.journal.drop("rport")

    def _undo_journal(self) -> None:
        self._unroute()
        for remote in self.journal.load().get("files", []):
            with contextlib.suppress(DeviceError):
                self._remove_file(remote)
        self.journal.drop("files")

    # ── canaries ───────────────────────────────────────────────────────────────────────────
    def _plant_photo(self, setup: RunSetup) -> list[str]:
        remote = f"{REMOTE}/fingertip-canary-{self.id}.jpg"
        self.hdc.send(setup.canary_photo, remote)
        self.journal.set("files", [remote])
        self.current_run().files.append(remote)
        output = self.hdc.shell(f"mediatool send {remote}")
        uri = out.media_uri(output)
        if uri is None:  # only a printed file://media/ uri says it is in the gallery (mediatool.md)
            return [f"金丝雀照片未能加入图库（mediatool send：{output.strip()[:120] or '无输出'}）"]
        # mediatool moves the file into the gallery: the gallery entry is what the run must delete
        self.journal.set("files", [remote, uri])
        self.current_run().files.append(uri)
        return ["金丝雀照片已加入图库（mediatool send）"]

    # ── end of a run ───────────────────────────────────────────────────────────────────────
    # (finish(): ShellDevice, in this order)
    def _stop_app(self, app: str) -> None:
        self.hdc.shell(f"aa force-stop {shlex.quote(app)}")

    def _remove_file(self, remote: str) -> None:
        if remote.startswith(out.MEDIA_URI):
            self.hdc.shell(f"mediatool delete {shlex.quote(remote)}")
        else:
            self.hdc.shell(f"rm -f {shlex.quote(remote)}")

    def _collect_logs(self, run: ShellRun) -> None:
        setup = run.setup
        bundle, since = run.app, run.since
        offset = time.time() - self._device_clock()
        hilog = self.hdc.shell("hilog -x", timeout=120)
        (setup.run_dir / "hilog.txt").write_text(hilog[-HILOG_LIMIT:], encoding="utf-8")
        zone = utc_offset(self.hdc.shell("date +%z"))
        crashes = []
        listing = self.hdc.shell(f"ls {FAULTLOGS}")
        if out.listing_refused(listing):  # not "no crashes": nobody could look
            self._device_problem(setup, f"崩溃收集不可用：{FAULTLOGS} 无法列出（{listing.strip()[:160]}），"
                                        "本次未读取 faultlogger 记录")
            listing = ""
        for name in listing.split():
            if bundle not in name:
                continue
            crash = out.faultlog_crash(name, self.hdc.shell(f"cat {FAULTLOGS}/{name}"), bundle, since, zone)
            if crash is not None:
                crashes.append(crash)
        write_crashes(setup.run_dir / CRASHES_FILE, sorted(crashes, key=lambda c: c.t or 0), offset)

    @staticmethod
    def _device_problem(setup: RunSetup, message: str) -> None:
        """A problem line of the run: the device's own log (device_hooks) is where the run reads them."""
        if setup.device_hooks is None:
            return
        with open(setup.device_hooks, "a", encoding="utf-8") as log:
            log.write(json.dumps({"source": "harmony", "kind": HOOK_PROBLEM, "message": message},
                                 ensure_ascii=False) + "\n")

    def _running(self, app: str) -> bool:
        return bool(self.hdc.shell(f"pidof {shlex.quote(app)}").strip())

    def healthy(self) -> bool:
        try:
            check_target(self.spec)
            return True
        except DeviceError:
            return False

    def metrics(self) -> dict[str, float]:
        return {}  # hidumper's memory figures need root on user builds: none read here

    # ── UI (uitest) ────────────────────────────────────────────────────────────────────────
    def _made_on_device(self, command: str, suffix: str) -> Path:
        """Run `command` (with `{remote}` for a new file name on the device — uitest and snapshot_display
        refuse to overwrite), pull that file here and remove it there."""
        remote = f"{REMOTE}/fingertip-{self.id}-{secrets.token_hex(4)}{suffix}"
        local = self._scratch / f"latest{suffix}"
        self.hdc.shell(command.format(remote=remote))
        try:
            self.hdc.recv(remote, local)
        finally:
            self.hdc.shell(f"rm -f {remote}")
        return local

    def _layout(self) -> dict[str, Any]:
        self.hdc.shell("power-shell wakeup")  # a dark screen dumps an empty tree
        local = self._made_on_device("uitest dumpLayout -p {remote}", ".json")
        try:
            data = json.loads(local.read_text(encoding="utf-8"))
        except ValueError as e:
            raise DeviceError(self.id, f"uitest dumpLayout wrote no JSON: {e}") from e
        return data if isinstance(data, dict) else {}

    def settle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        previous: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            current = self._layout()
            if current == previous:
                return
            previous = current
            time.sleep(0.3)

    def screen(self) -> Screen:
        layout = self._layout()
        key = out.layout_key(layout)
        if not key:
            front = out.foreground_abilities(self.hdc.shell("aa dump -l"))
            key = f"{front[0][0]}/{front[0][1]}" if front else "?"
        return out.screen_from_layout(layout, key)

    @staticmethod
    def _centre(node: UiNode) -> tuple[int, int]:
        x1, y1, x2, y2 = node.bounds
        return (x1 + x2) // 2, (y1 + y2) // 2

    def tap(self, node: UiNode) -> None:
        x, y = self._centre(node)
        self.hdc.shell(f"uitest uiInput click {x} {y}")

    def type_text(self, node: UiNode, text: str) -> None:
        x, y = self._centre(node)
        self.hdc.shell(f"uitest uiInput inputText {x} {y} {shlex.quote(text)}")

    def _photo_name(self, path: Path) -> str:
        return "fingertip-canary"  # the gallery shows a title, not always the file name

    def back(self) -> None:
        self.hdc.shell("uitest uiInput keyEvent Back")

    def _start_entry(self, run: ShellRun) -> None:
        bundle, ability, module = run.app, run.entry, run.module
        self.hdc.shell(f"aa force-stop {shlex.quote(bundle)}")
        self._aa_start(bundle, ability, module)

    # ── screen on, unlocked ────────────────────────────────────────────────────────────────
    def _keep_awake(self) -> None:
        """Performance mode keeps the screen on (power-shell.md; what DevEco's and hypium's tooling set) so a run
        does not sleep mid-walk; left on for the next run of this lab phone."""
        self.hdc.shell("power-shell setmode 602")  # a refusal only means the screen may sleep: _unlock wakes it

    def _unlock(self) -> None:
        """Light the screen and swipe up as hmdriver2's `unlock()` does: lifts a swipe lock; a PIN lock stays
        (aa then says 10106102)."""
        self.hdc.shell("power-shell wakeup")
        width, height = self.size if self.size != (0, 0) else (1080, 2340)
        self.hdc.shell(f"uitest uiInput swipe {width // 2} {height * 8 // 10} {width // 2} {height * 2 // 10} 6000")

    def _aa_start(self, bundle: str, ability: str, module: str) -> None:
        command = f"aa start -a {ability} -b {bundle}" + (f" -m {module}" if module else "")
        output = self.hdc.shell(command)
        if out.screen_locked(output):  # asleep or locked since: wake, unlock and try once more
            self._unlock()
            output = self.hdc.shell(command)
        if out.screen_locked(output):
            raise DeviceError(self.id, f"aa start {bundle}/{ability}: {out.LOCKED_ADVICE}", output)
        if "successfully" not in output:
            raise DeviceError(self.id, f"aa start {bundle}/{ability}: {output.strip()[:300]}", output)

    def screenshot(self, path: Path) -> Path:
        local = self._made_on_device("snapshot_display -f {remote}", ".jpeg")
        try:
            with Image.open(local) as image:
                image.convert("RGB").save(path)
        except OSError as e:
            raise DeviceError(self.id, f"snapshot_display gave no picture: {e}") from e
        return path


def check_target(spec: HarmonyDeviceSpec) -> None:
    """The target is connected on hdc, or a DeviceError that says what to do about it."""
    targets = list_targets(spec.id, spec.hdc_server)
    state = targets.get(spec.target)
    where = f"the hdc server at {spec.hdc_server}" if spec.hdc_server else "the local hdc server"
    advice = {
        None: f"{spec.target} is not listed by {where} (listed: {', '.join(targets) or 'none'}); "
              f"for TCP targets run `hdc tconn {spec.target}`",
        "Offline": f"{spec.target} is offline: reconnect it, or restart the emulator",
        "Unauthorized": f"{spec.target} is unauthorized: allow USB debugging on the device",
    }
    if state != "Connected":
        raise DeviceError(spec.id, advice.get(state, f"{spec.target} is {state}"))
