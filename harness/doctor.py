"""`fingertip doctor`: which backends this machine can drive, and what installs the rest."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
from dataclasses import dataclass

from harness import tools


@dataclass(frozen=True)
class Finding:
    backend: str
    what: str
    ok: bool
    detail: str
    install: str


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({e})"


def _program(backend: str, name: str, install: str, version_args: tuple[str, ...] = ("--version",)) -> Finding:
    path = shutil.which(name)
    return Finding(backend, name, bool(path), _version([path, *version_args]) if path else "not found", install)


def _tool(backend: str, tool: tools.Tool) -> Finding:
    return Finding(backend, tool.name, tool.path is not None, tool.path or "not found", tool.install)


def _located(backend: str, what: str, install: str, name: str | None = None) -> Finding:
    path = shutil.which(name or what)
    return Finding(backend, what, bool(path), path or "not found", install)


def _python_package(backend: str, name: str, install: str) -> Finding:
    try:
        return Finding(backend, name, True, importlib.metadata.version(name), install)
    except importlib.metadata.PackageNotFoundError:
        return Finding(backend, name, False, "not installed", install)


def _appium_driver(backend: str, package: str, label: str) -> Finding:
    appium = tools.appium()
    what = f"appium + {label} driver"
    install = f"./setup.sh (npm install --ignore-scripts appium@3 {package} in .appium/)"
    if not appium.path:
        return Finding(backend, what, False, "Appium not installed", install)
    manifest = tools.APPIUM_HOME / "node_modules" / package / "package.json"
    if not manifest.exists():
        return Finding(backend, what, False, f"{package} missing", install)
    appium_package = tools.APPIUM_HOME / "node_modules" / "appium" / "package.json"
    appium_version = json.loads(appium_package.read_text())["version"]
    driver_version = json.loads(manifest.read_text())["version"]
    return Finding(backend, what, True, f"appium {appium_version}, {label} driver {driver_version}", install)


def _android_sdk() -> Finding:
    """Appium's UiAutomator2 driver finds adb (and aapt for apps) through ANDROID_HOME."""
    install = "install the Android SDK platform-tools and set ANDROID_HOME (Appium's UiAutomator2 driver needs it)"
    homes = [sdk for sdk in tools.android_sdk() if (sdk / "platform-tools" / "adb").exists()]
    detail = str(homes[0]) if homes else "ANDROID_HOME / ANDROID_SDK_ROOT not set or without platform-tools/adb"
    return Finding("android", "Android SDK (ANDROID_HOME)", bool(homes), detail, install)


def _cjk_font() -> Finding:
    install = "apt-get install fonts-wqy-microhei"
    if not shutil.which("fc-list"):
        return Finding("web", "CJK font", False, "fc-list not found", install)
    fonts = _version(["fc-list", ":lang=zh", "family"])
    return Finding("web", "CJK font", bool(fonts), fonts or "none: Chinese renders as boxes in screenshots", install)


def _frida_agent() -> Finding:
    from harness.instrumentation.agent_build import AgentBuildError, compiled_agent

    install = "./setup.sh (npm install --ignore-scripts frida-java-bridge in harness/instrumentation/agent)"
    try:
        size = len(compiled_agent())
    except AgentBuildError as e:
        return Finding("frida", "agent (TypeScript → JS)", False, str(e).splitlines()[0], install)
    return Finding("frida", "agent (TypeScript → JS)", True, f"compiles ({size // 1024} KB)", install)


def _frida_servers() -> Finding:
    import frida

    from harness.instrumentation.frida_server import DEFAULT_CACHE

    wanted = f"frida-server-{frida.__version__}-android-*"
    found = sorted(p.name for p in DEFAULT_CACHE.glob(wanted)) if DEFAULT_CACHE.is_dir() else []
    install = (f"place the release files {wanted}[.xz] in {DEFAULT_CACHE} (or set `frida.server` per farm entry): "
               "the harness cannot download them")
    return Finding("frida", "frida-server for Android", bool(found), ", ".join(found) or f"none in {DEFAULT_CACHE}",
                   install)


def diagnose() -> list[Finding]:
    return [
        _program("web", "chromium", "apt-get install chromium"),
        _program("web", "chromedriver", "apt-get install chromium-driver"),
        _program("web", "node", "apt-get install nodejs npm"),
        _appium_driver("web", "appium-chromium-driver", "chromium"),
        _located("web", "Xvfb", "apt-get install xvfb"),
        _program("web", "ffmpeg", "apt-get install ffmpeg", ("-version",)),
        _cjk_font(),
        _python_package("capture", "mitmproxy", "pip install -e . (mitmproxy==11.0.2, h11==0.14.0)"),
        _python_package("android", "adbutils", "pip install -e ."),
        _python_package("android", "androguard", "pip install -e . (androguard==4.1.3)"),
        _tool("android", tools.adb()),
        _appium_driver("android", "appium-uiautomator2-driver", "uiautomator2"),
        _android_sdk(),
        _tool("harmony", tools.hdc()),
        _python_package("frida", "frida", "pip install -e ."),
        _located("frida", "frida (CLI, frida-tools)", "pip install -e .", "frida"),
        _frida_agent(),
        _frida_servers(),
    ]


def backend_ready(findings: list[Finding], backend: str) -> bool:
    from harness.devices.registry import BACKENDS

    if backend in ("android", "harmony") and not any(b.doctor == backend for b in BACKENDS.values()):
        return False  # the tools may be here, but this version has no backend to drive them
    relevant = [f for f in findings if f.backend in (backend, "capture")]
    return all(f.ok for f in relevant)
