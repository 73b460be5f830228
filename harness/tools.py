"""Where the external programs the harness drives live, and what installs them."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
APPIUM_HOME = PROJECT_ROOT / ".appium"
"""Project-local Appium 3 + appium-chromium-driver, installed by ./setup.sh (npm --ignore-scripts)."""


@dataclass(frozen=True)
class Tool:
    name: str
    path: str | None
    install: str


def which(name: str, install: str, *candidates: Path) -> Tool:
    for candidate in candidates:
        if candidate.exists():
            return Tool(name, str(candidate), install)
    return Tool(name, shutil.which(name), install)


def appium() -> Tool:
    return which("appium", "./setup.sh (npm install appium@3 appium-chromium-driver into .appium/)",
                 APPIUM_HOME / "node_modules" / "appium" / "index.js")


def android_sdk() -> list[Path]:
    """Android SDK folders named by the environment the harness was started with."""
    return [Path(v) for v in (os.environ.get("ANDROID_HOME"), os.environ.get("ANDROID_SDK_ROOT")) if v]


def android_emulator() -> Tool:
    return which("emulator", "the Android SDK emulator (sdkmanager emulator + a system image; set ANDROID_HOME)",
                 *(sdk / "emulator" / "emulator" for sdk in android_sdk()))


def adb() -> Tool:
    import adbutils

    return which("adb", "apt install adb (or the Android SDK platform-tools)",
                 *(sdk / "platform-tools" / "adb" for sdk in android_sdk()), Path(adbutils.adb_path()))


def scrcpy() -> Tool:
    return which("scrcpy", "apt install scrcpy (≥ 2.5; optional: screenrecord is used without it)")


def deveco_sdk() -> list[Path]:
    """DevEco / command-line-tools SDK folders named by the environment the harness was started with."""
    return [Path(v) for v in (os.environ.get("DEVECO_SDK_HOME"), os.environ.get("OHOS_SDK_HOME")) if v]


def hdc() -> Tool:
    return which("hdc", "the HarmonyOS command-line tools (hdc in sdk/default/openharmony/toolchains) on PATH",
                 *(sdk / "default" / "openharmony" / "toolchains" / "hdc" for sdk in deveco_sdk()))


def deveco_emulator() -> Tool:
    return which("Emulator", "DevEco Studio's emulator (its `Emulator` command line on PATH)")


def free_port() -> int:
    """A port the kernel just handed out on loopback (the caller binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
