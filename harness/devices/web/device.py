"""The web device: Debian Chromium through Appium's chromium driver, emulating a phone.

Entering the device starts a private Xvfb display and a local Appium server; each run gets a
fresh browser profile routed through the run's capture proxy, with the hook script injected
before any page script, a canary geolocation and a canary camera picture.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import urllib3
from appium import webdriver
from appium.options.common import AppiumOptions
from appium.webdriver.client_config import AppiumClientConfig
from selenium.common.exceptions import (
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.timeouts import Timeouts

from harness import tools
from harness.config.farm import WebDeviceSpec
from harness.devices.common.appium_server import LocalAppium, cmdline, descendants
from harness.devices.common.webdriver_faults import classified
from harness.devices.protocol import LaunchInfo, RunSetup, VideoInfo
from harness.devices.web.display import VirtualDisplay
from harness.devices.web.x11_recorder import X11Recorder
from harness.errors import AppHung, DeviceError, UiError
from harness.instrumentation.web_hooks import hook_script
from harness.ui.tree import Screen, UiNode

_JS = resources.files("harness")
SNAPSHOT_SCRIPT = (_JS / "devices" / "web" / "dom_snapshot.js").read_text(encoding="utf-8")
ARM_SCRIPT = """
const on = arguments[0] === true;
const arm = (win, depth) => {
  try { if (win.__fingertipDialogs) win.__fingertipDialogs.arm(on); } catch (e) { /* another origin */ }
  if (depth >= 3) return;
  let frames = [];
  try { frames = [...win.document.querySelectorAll("iframe, frame")]; } catch (e) { return; }
  for (const frame of frames) {
    try { if (frame.contentDocument) arm(frame.contentWindow, depth + 1); } catch (e) { /* another origin */ }
  }
};
arm(window, 0);
"""
FIND_SCRIPT = """
const fingertipFind = (ref) => {
  // A ref is a chain: the frames (same-origin iframes) down to the control, each by its mark in its document.
  const frames = [];
  let doc = document, el = null;
  const parts = String(ref).split('>');
  for (let i = 0; i < parts.length; i++) {
    if (!doc) return [null, frames];
    el = doc.querySelector(`[data-fingertip-ref="${parts[i]}"]`);
    if (!el) return [null, frames];
    if (i < parts.length - 1) { frames.push(el); doc = el.contentDocument; }
  }
  return [el, frames];
};
"""
TAP_TARGET_SCRIPT = FIND_SCRIPT + """
const [el, frames] = fingertipFind(arguments[0]);
if (!el) return null;
if (el.tagName === 'SELECT') {
  // A finger on a select opens the browser's own picker; choose the next option as the picker would.
  if (el.options.length) el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return 'chosen';
}
el.scrollIntoView({block: 'center', inline: 'center'});
const r = el.getBoundingClientRect();
let x = r.left + r.width / 2, y = r.top + r.height / 2;
const inner = [];  // the point in each frame's document, outermost frame first
for (let k = frames.length - 1; k >= 0; k--) {
  inner.unshift([x, y]);
  const f = frames[k].getBoundingClientRect();
  x += f.left + frames[k].clientLeft;
  y += f.top + frames[k].clientTop;
}
let doc = document, px = x, py = y, reachable = true;
for (let k = 0; k < frames.length && reachable; k++) {
  reachable = doc.elementFromPoint(px, py) === frames[k];
  doc = frames[k].contentDocument;
  [px, py] = inner[k];
}
const top = reachable ? doc.elementFromPoint(px, py) : null;
return [x, y, !!top && (top === el || el.contains(top))];
"""
"""Where to tap a control (its centre, scrolled into view, in the top page's coordinates even inside a frame) and
whether a finger would reach it there; a select gets its next option instead."""
CLICK_SCRIPT = FIND_SCRIPT + "const [el] = fingertipFind(arguments[0]); if (el) el.click();"
QUIET_MS = 300
"""A page whose DOM has not changed for this long, with nothing in flight, has settled."""
PAGE_LOAD_S = 20
"""Longest wait for a page to load: chromedriver then answers with a timeout (the app's slowness)."""
SCRIPT_S = 10
COMMAND_S = 30.0
"""Longest wait for any answer from Appium (the HTTP client's read timeout): above the page-load timeout, so
chromedriver's own answer comes first; past it the page is taken as hung (AppHung), never waited on for
Appium's 240 s."""
START_S = 120.0
"""Starting a session launches chromedriver and Chromium: allowed longer than one command."""
NEW_WINDOW_S = 3.0
"""How long a window the app opened gets to show its address before it is judged."""


def outside_of(url: str, hosts: tuple[str, ...] | list[str] | set[str]) -> bool:
    """Is `url` not the app's: another scheme (the browser's new-tab page, data:, about:) or a host that is
    not one of the scenario's?"""
    parts = urlsplit(url)
    return parts.scheme not in ("http", "https") or (parts.hostname or "") not in hosts


def origins(setup: RunSetup) -> list[str]:
    """Every origin the scenario's hosts can serve, for Chromium's secure-context allow-list."""
    port = urlsplit(setup.scenario.entry).port
    suffix = f":{port}" if port else ""
    return [f"{scheme}://{host}{suffix}" for host in setup.scenario.hosts for scheme in ("http", "https")]


PROFILE_PREFERENCES = {"webrtc": {"ip_handling_policy": "disable_non_proxied_udp", "multiple_routes_enabled": False,
                                  "nonproxied_udp_enabled": False}}
"""Written into each run's fresh profile: WebRTC sends no UDP around the proxy (no STUN to the app's servers,
no host candidates, no mDNS). Checked in a network namespace: `--force-webrtc-ip-handling-policy` alone still
let a page's RTCPeerConnection send to its STUN address; these preferences stop it."""


def chrome_arguments(spec: WebDeviceSpec, setup: RunSetup, profile: Path) -> list[str]:
    return [
        "--no-sandbox",  # the harness runs as root in CI
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-quic",
        # WebRtcHideLocalIpsWithMdns: WebRTC's mDNS responder joins 224.0.0.251 on every interface
        "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,WebRtcHideLocalIpsWithMdns",
        "--disable-dev-shm-usage",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
        f"--proxy-server={setup.proxy_url}",
        "--proxy-bypass-list=<-loopback>",  # even loopback goes through the capture proxy
        # Nothing around the proxy: no name is looked up here (`*` matches IP literals too, so the proxy's own
        # address is excluded, Chromium's documented idiom, or nothing could be loaded at all). WebRTC's UDP is
        # stopped by the profile's preferences (PROFILE_PREFERENCES); this switch alone did not stop it.
        f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {urlsplit(setup.proxy_url).hostname}",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        f"--ignore-certificate-errors-spki-list={setup.ca_spki}",
        f"--unsafely-treat-insecure-origin-as-secure={','.join(origins(setup))}",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={setup.canary_photo.with_suffix('.mjpeg')}",
        "--kiosk",
        "--window-position=0,0",
        f"--window-size={spec.emulate.width},{spec.emulate.height}",
        *(["--headless=new"] if spec.headless else []),
    ]


class WebDevice:
    def __init__(self, spec: WebDeviceSpec, work_dir: Path) -> None:
        self.spec = spec
        self.work_dir = work_dir
        self._display: VirtualDisplay | None = None
        self._appium: LocalAppium | None = None
        self._recorder: X11Recorder | None = None
        self._driver: Any = None
        self._setup: RunSetup | None = None
        self._profile: Path | None = None
        self._entry_index = 0
        """The entry's place in the tab's history: back never goes before it (that is the browser's, not the app's)."""
        self._window = ""
        self._chromedriver_port = 0
        self._hung = False
        """A command got no answer: the session queues every later one behind it, so none is sent again."""
        self._notes: list[str] = []

    @property
    def id(self) -> str:
        return self.spec.id

    def __repr__(self) -> str:
        return f"<WebDevice {self.id}>"

    # ── device lifetime ────────────────────────────────────────────────────────────────────
    def __enter__(self) -> WebDevice:
        size = (self.spec.emulate.width, self.spec.emulate.height)
        extra_env: dict[str, str] = {}
        try:
            if not self.spec.headless:
                self._display = VirtualDisplay(self.id, *size).__enter__()
                assert self._display.name
                extra_env["DISPLAY"] = self._display.name
                self._recorder = X11Recorder(self.id, self._display.name, *size)
            if self.spec.appium == "local":
                self._appium = LocalAppium(self.id, self.work_dir / f"appium-{self.id}.log", extra_env).__enter__()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()
        if self._appium:
            self._appium.__exit__()
            self._appium = None
        if self._display:
            self._display.__exit__()
            self._display = None

    def describe(self) -> dict[str, Any]:
        return {"platform": "web", "os": "Debian Chromium (mobile emulation)", "labels": list(self.spec.labels),
                "browser": str(self.spec.browser),
                "screen": f"{self.spec.emulate.width}x{self.spec.emulate.height}@{self.spec.emulate.pixel_ratio}"}

    # ── recording ──────────────────────────────────────────────────────────────────────────
    def start_recording(self, path: Path) -> None:
        if self._recorder:
            self._recorder.start(path)

    def stop_recording(self) -> VideoInfo | None:
        return self._recorder.stop() if self._recorder else None

    # ── one run ────────────────────────────────────────────────────────────────────────────
    def _options(self, setup: RunSetup) -> AppiumOptions:
        profile = Path(tempfile.mkdtemp(prefix=f"fingertip-{self.id}-profile-"))
        self._profile = profile
        (profile / "Default").mkdir()
        (profile / "Default" / "Preferences").write_text(json.dumps(PROFILE_PREFERENCES), encoding="utf-8")
        options = AppiumOptions()
        options.set_capability("platformName", "linux")
        options.set_capability("browserName", "chrome")  # the chromium driver's name for Chromium too
        options.set_capability("appium:automationName", "Chromium")
        options.set_capability("appium:executable", str(self.spec.chromedriver))
        options.set_capability("appium:autodownloadEnabled", False)
        # Each run its own chromedriver port: with the default (9515) two web devices on one machine
        # would share one chromedriver and end each other's sessions.
        self._chromedriver_port = tools.free_port()
        options.set_capability("appium:chromedriverPort", self._chromedriver_port)
        options.set_capability("appium:newCommandTimeout", 600)
        options.set_capability("pageLoadStrategy", "eager")  # don't wait on slow images / beacons
        options.set_capability("goog:chromeOptions", {
            "binary": str(self.spec.browser),
            "args": chrome_arguments(self.spec, setup, profile),
            "excludeSwitches": ["enable-automation"],  # no "controlled by automated software" bar in the video
            "mobileEmulation": {
                "deviceMetrics": {"width": self.spec.emulate.width, "height": self.spec.emulate.height,
                                  "pixelRatio": self.spec.emulate.pixel_ratio, "touch": True, "mobile": True},
                "userAgent": self.spec.emulate.user_agent,
            },
        })
        return options

    def _cdp(self, command: str, params: dict[str, Any]) -> Any:
        return self._driver.execute("fingertipCdp", {"cmd": command, "params": params})["value"]

    def launch(self, setup: RunSetup) -> LaunchInfo:
        url = self._appium.url if self._appium else self.spec.appium
        self._setup = setup
        self._hung = False
        self._notes = []
        # Every command bounded: a read timeout (no retry: a GET would be sent again and wait again), the
        # page-load and script timeouts inside chromedriver below it.
        config = AppiumClientConfig(url, timeout=int(START_S), init_args_for_pool_manager={
            "init_args_for_pool_manager": {"retries": urllib3.Retry(total=3, connect=3, read=False, status=0)}})
        try:
            self._driver = webdriver.Remote(url, options=self._options(setup), client_config=config)
        except WebDriverException as e:
            raise DeviceError(self.id, f"browser session did not start: {e.msg}") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise DeviceError(self.id, f"browser session did not start: {type(e).__name__}") from e
        config.timeout = int(COMMAND_S)
        self._driver.command_executor.add_command("fingertipCdp", "POST", "/session/$sessionId/goog/cdp/execute")
        self._driver.timeouts = Timeouts(page_load=PAGE_LOAD_S, script=SCRIPT_S, implicit_wait=0)
        location = setup.scenario.canaries.location
        self._cdp("Page.addScriptToEvaluateOnNewDocument", {"source": hook_script(setup.hook_secret)})
        self._cdp("Emulation.setGeolocationOverride",
                  {"latitude": location.latitude, "longitude": location.longitude, "accuracy": 10})
        with contextlib.suppress(WebDriverException):  # permissions are also granted by the fake-UI flag
            for origin in origins(setup):
                self._cdp("Browser.grantPermissions", {"origin": origin,
                                                       "permissions": ["geolocation", "videoCapture"]})
        started = time.time()
        with self._driving(f"load the entry {setup.scenario.entry}"):
            self._driver.get(setup.scenario.entry)
            self._window = self._driver.current_window_handle
            self._entry_index = int(self._cdp("Page.getNavigationHistory", {})["currentIndex"])
            timing = self._driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0]; return n ? n.duration : null;")
        if not isinstance(timing, int | float) or isinstance(timing, bool):
            timing = None  # the page answers this script: it may answer anything
        return LaunchInfo(started=started, launch_ms=timing)

    def probe_capture(self, url: str) -> None:
        """The capture probe: a fetch from an isolated world of the page (the page's own scripts cannot see
        or rewrite it), in the page's scheme so it is not blocked as mixed content. Whether it arrived is
        the proxy's to say; a page that blocks it (CSP, a service worker) only withholds its complaint."""
        with self._driving("capture probe"):
            if str(self._driver.current_url).startswith("https:"):
                url = "https:" + url.removeprefix("http:")
            frame = self._cdp("Page.getFrameTree", {})["frameTree"]["frame"]["id"]
            world = self._cdp("Page.createIsolatedWorld", {"frameId": frame, "worldName": "fingertip-probe"})
            self._cdp("Runtime.evaluate", {
                "expression": f"fetch({json.dumps(url)}, {{mode: 'no-cors', cache: 'no-store'}})"
                              ".then(() => true, () => false)",
                "contextId": world["executionContextId"], "awaitPromise": True, "timeout": 5000})

    def finish(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None and self._hung:
            self._stop_hung_browser()
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def _stop_hung_browser(self) -> None:
        """End this session's chromedriver and its Chromium (only those: found by the port this run gave
        chromedriver, under the Appium this device started), so the hung command returns and Appium serves the
        next session at once instead of after its own 240 s."""
        if self._appium is None:
            return  # a remote Appium's processes are not ours to end
        for pid in self._appium.descendants():
            command = cmdline(pid)
            if "chromedriver" in command and f"--port={self._chromedriver_port}" in command.split():
                for victim in [pid, *descendants(pid)]:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(victim, signal.SIGKILL)

    def take_notes(self) -> list[str]:
        """What the device did on its own to keep the walk inside the app (windows closed or followed)."""
        notes, self._notes = self._notes, []
        return notes

    def alive(self) -> bool:
        """Does the page still answer? A crashed tab is the app's; a browser or driver that is gone is the
        harness's own fault (DeviceLost), never a verdict about the app."""
        if self._driver is None or self._hung:
            return False
        try:
            with self._driving("alive"):
                self._driver.execute_script("return 1")
            return True
        except UiError:
            return False  # a crashed or hung page: the app's

    def healthy(self) -> bool:
        """Is the browser session itself there? Asked with a WebDriver command that no page script answers
        (the window handles), so a page cannot make it fail or pass."""
        if self._driver is None:
            return False
        try:
            self._driver.window_handles  # noqa: B018 — the command is the probe
            return True
        except (WebDriverException, OSError, urllib3.exceptions.HTTPError):
            return False

    @contextlib.contextmanager
    def _driving(self, what: str) -> Iterator[None]:
        if self._hung:
            raise AppHung(self.id, f"{what}: not sent, the page stopped answering earlier")
        try:
            with classified(self.id, what, self.healthy):
                yield
        except AppHung:
            self._hung = True
            raise

    def metrics(self) -> dict[str, float]:
        if self._hung:
            return {}
        try:
            self._cdp("Performance.enable", {})
            values = {m["name"]: m["value"] for m in self._cdp("Performance.getMetrics", {})["metrics"]}
        except (WebDriverException, KeyError, TypeError):
            return {}
        return {"memory_mb": round(values.get("JSHeapUsedSize", 0) / 2**20, 1),
                "dom_nodes": values.get("Nodes", 0), "js_listeners": values.get("JSEventListeners", 0)}

    # ── UI ─────────────────────────────────────────────────────────────────────────────────
    def settle(self, timeout: float) -> None:
        """Wait until no request is in flight and the page has been still for a moment (or `timeout`)."""
        deadline = time.monotonic() + timeout
        time.sleep(min(timeout, 0.2))  # let the app's own event handlers (hashchange…) start their work
        while True:
            try:
                with self._driving("wait for the page to settle"):
                    state = self._driver.execute_script(
                        "return window.__fingertipIdle ? window.__fingertipIdle() : null")
            except AppHung:
                raise
            except UiError:
                state = None
            if (isinstance(state, dict) and state.get("inflight") == 0 and state.get("quietMs", 0) >= QUIET_MS
                    and state.get("ready") == "complete") or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        self._windows()

    def _windows(self) -> None:
        """A window the app opened (target=_blank, window.open) is followed in the app's own tab when it is on
        the app's hosts, and closed either way: the walk stays in one tab, inside the app."""
        assert self._setup is not None
        with self._driving("list windows"):
            handles = list(self._driver.window_handles)
        if self._window not in handles and handles:  # the app closed its own tab: go on in what it opened
            self._window = handles[0]
            self._notes.append("应用关闭了自己的标签页，继续在它打开的窗口中")
        followed = ""
        for handle in (h for h in handles if h != self._window):
            url = ""
            try:
                with self._driving("look at a window the app opened"):
                    self._driver.switch_to.window(handle)
                    url, deadline = str(self._driver.current_url), time.monotonic() + NEW_WINDOW_S
                    while url in ("about:blank", "") and time.monotonic() < deadline:
                        time.sleep(0.1)
                        url = str(self._driver.current_url)
                    self._driver.close()
            except AppHung:
                raise
            except UiError:  # it closed itself meanwhile
                continue
            finally:
                with self._driving("return to the app's window"):
                    self._driver.switch_to.window(self._window)
            if outside_of(url, set(self._setup.scenario.hosts)):
                self._notes.append(f"关闭了应用打开的新窗口（不在应用的主机内）：{url[:200]}")
            else:
                self._notes.append(f"应用打开的新窗口在本标签页中继续：{url[:200]}")
                followed = url
        if followed:
            with self._driving(f"follow {followed[:80]}"):
                self._driver.get(followed)

    def screen(self) -> Screen:
        with self._driving("snapshot"):
            data = self._driver.execute_script(SNAPSHOT_SCRIPT)
        if not isinstance(data, dict):
            raise UiError(self.id, "the page gave no snapshot")
        nodes = tuple(UiNode.from_dict(n) for n in data["nodes"])
        assert self._setup is not None
        href = str(data.get("href", ""))
        outside = href if outside_of(href, set(self._setup.scenario.hosts)) else ""
        images = data.get("images")
        pictured = tuple(str(t)[:200] for t in images[:40]) if isinstance(images, list) else ()
        return Screen(key=data["key"], title=data["title"], nodes=nodes, texts=tuple(data["texts"]), outside=outside,
                      images=pictured, watching=data.get("watching") is True)

    @contextlib.contextmanager
    def _element(self, node: UiNode) -> Iterator[Any]:
        """The control, inside the frames its ref names (entered for the command, left after it)."""
        *frames, own = node.ref.split(">")
        try:
            for frame in frames:
                self._driver.switch_to.frame(
                    self._driver.find_element(By.CSS_SELECTOR, f'[data-fingertip-ref="{frame}"]'))
            yield self._driver.find_element(By.CSS_SELECTOR, f'[data-fingertip-ref="{own}"]')
        finally:
            if frames:
                self._driver.switch_to.default_content()

    def tap(self, node: UiNode) -> None:
        """A finger's tap: the control scrolled into view, then touch events at its centre (CDP, as a
        phone's touchscreen sends them). A control covered by another one gets a script click, which
        still runs the app's own handlers. WebDriver's click costs ~5× as much per tap through Appium."""
        with self._driving(f"tap {node.label!r}"):
            where = self._driver.execute_script(TAP_TARGET_SCRIPT, node.ref)
            if where is None:
                raise UiError(self.id, f"control {node.label!r} is gone from the page")
            if where == "chosen":
                return
            x, y, reachable = where
            if not reachable:
                self._driver.execute_script(CLICK_SCRIPT, node.ref)
                return
            self._cdp("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
            self._cdp("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def type_text(self, node: UiNode, text: str) -> None:
        with self._driving(f"type into {node.label!r}"), self._element(node) as element:
            element.clear()
            element.send_keys(text)

    def choose_file(self, node: UiNode, path: Path) -> None:
        with self._driving(f"choose a file for {node.label!r}"), self._element(node) as element:
            element.send_keys(str(path))

    def back(self) -> None:
        """Back, but never before the entry: there is only the browser's new-tab page, not the app. At the entry
        the app's start is loaded again (what back to the start screen means inside the app)."""
        assert self._setup is not None
        with self._driving("back"):
            if int(self._cdp("Page.getNavigationHistory", {})["currentIndex"]) <= self._entry_index:
                self._driver.get(self._setup.scenario.entry)
            else:
                self._driver.back()

    def accept_confirms(self, accept: bool) -> None:
        """While the harness files its complaint, the page's confirm() answers OK (the hook script's dialogs, in the
        page and its same-origin frames); otherwise cancel."""
        with self._driving("answer confirm dialogs"):
            self._driver.execute_script(ARM_SCRIPT, accept)

    def dismiss(self) -> None:
        """Escape, as a keyboard gives it: what closes most web dialogs that show no close control."""
        with self._driving("press Escape"):
            for kind in ("keyDown", "keyUp"):
                self._cdp("Input.dispatchKeyEvent", {"type": kind, "key": "Escape", "code": "Escape",
                                                     "windowsVirtualKeyCode": 27})

    def home(self) -> None:
        assert self._setup is not None
        with self._driving(f"return to {self._setup.scenario.entry}"):
            self._driver.get(self._setup.scenario.entry)

    def screenshot(self, path: Path) -> Path:
        with self._driving("screenshot"):
            saved = self._driver.save_screenshot(str(path))
        if not saved:
            raise UiError(self.id, f"screenshot to {path.name} failed")
        return path
