"""What every backend (web, Android, HarmonyOS) offers a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

__all__ = ["CRASHES_FILE", "Device", "LaunchInfo", "RunSetup", "VideoInfo"]

from harness.config.farm import DeviceSpecBase
from harness.config.scenario import Scenario
from harness.devices.common.crash import CRASHES_FILE
from harness.ui.tree import Screen, UiNode


@dataclass(frozen=True)
class RunSetup:
    """What a device needs to start one app run."""

    scenario: Scenario
    run_dir: Path
    proxy_url: str
    ca_spki: str
    ca_cert: Path
    canary_photo: Path
    device_hooks: Path | None = None
    """JSON-lines file for the device's own hook events (Frida); read into the run's observations."""
    hook_secret: str = ""
    """The run's secret for hook reports (web: put into the injected script); empty: none is accepted."""


@dataclass
class LaunchInfo:
    started: float
    """Epoch seconds when the app was asked to start."""
    launch_ms: float | None = None
    notes: list[str] = field(default_factory=list)
    capture: bool = True
    """False when the device could not route the app's traffic to the capture proxy."""
    capture_note: str = ""


@dataclass
class VideoInfo:
    path: Path
    start: float
    """Epoch seconds of the video's first frame: the run clock maps every event onto the video."""
    width: int
    height: int


class Device(Protocol):
    """A leased device. Entering it starts whatever it needs (display, Appium); leaving restores it."""

    @property
    def spec(self) -> DeviceSpecBase: ...

    @property
    def id(self) -> str: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def describe(self) -> dict[str, Any]:
        """Platform, OS version and build facts for the report."""
        ...

    def start_recording(self, path: Path) -> None: ...

    def stop_recording(self) -> VideoInfo | None: ...

    def launch(self, setup: RunSetup) -> LaunchInfo:
        """Install if needed, route traffic to the proxy, plant canaries, start hooks and the app."""
        ...

    def finish(self) -> None:
        """Stop the app and restore the device (proxy cleared, app stopped); safe to call twice."""
        ...

    def alive(self) -> bool:
        """Is the app still running and the device answering?"""
        ...

    def healthy(self) -> bool:
        """The health probe after a device fault: does the device still answer on its own transport (adb /
        hdc state, the automation session)? Nothing the app does can answer it."""
        ...

    def metrics(self) -> dict[str, float]:
        """Counters the backend can read for the running app (memory_mb, …); empty when none."""
        ...

    def settle(self, timeout: float) -> None:
        """Wait (at most `timeout` s) until the app has reacted to the last action."""
        ...

    def screen(self) -> Screen: ...

    def tap(self, node: UiNode) -> None: ...

    def type_text(self, node: UiNode, text: str) -> None: ...

    def choose_file(self, node: UiNode, path: Path) -> None:
        """Answer a file picker with `path` (the canary photo)."""
        ...

    def back(self) -> None: ...

    def home(self) -> None:
        """Bring the app back to its start screen (after the walk left it)."""
        ...

    def screenshot(self, path: Path) -> Path: ...
