"""What the shell-driven devices (Android over adb, HarmonyOS over hdc) share: the typed state of the run
in progress, the order a run is finished in, "is the app still running", returning to the app and the
system picker. Each backend says how (its shell, its logs); the order and the bookkeeping live here once."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from harness.devices.common.journal import Journal
from harness.devices.protocol import RunSetup
from harness.errors import DeviceError, UiError
from harness.ui.tree import Screen, UiNode


@dataclass
class ShellRun:
    """The run in progress on a shell-driven device."""

    app: str
    """Android package / HarmonyOS bundle."""
    setup: RunSetup
    since: float
    """The device's clock at launch: logs and crash reports after it are this run's."""
    entry: str = ""
    """What `home()` starts again: the Android component (`package/.Activity`) / HarmonyOS ability."""
    module: str = ""
    """HarmonyOS: the module of that ability."""
    files: list[str] = field(default_factory=list)
    """Files planted on the device for the run (the canary photo), removed when it ends."""


class ShellDevice:
    """Base of the adb and hdc devices. Subclasses set `journal` and `PICKERS` and implement the hooks below."""

    PICKERS: tuple[str, ...] = ()
    """Screen keys (package / bundle prefixes) of the system's photo and file pickers."""
    journal: Journal
    _run: ShellRun | None = None

    @property
    def id(self) -> str:
        raise NotImplementedError

    # ── what each backend does its own way ───────────────────────────────────────────────────
    def _connected(self) -> bool:
        return True

    def _before_stop(self, run: ShellRun) -> None:
        """Just before the app is stopped (Android: flush and detach Frida, whose queue a force-stop loses)."""

    def _stop_app(self, app: str) -> None:
        raise NotImplementedError

    def _collect_logs(self, run: ShellRun) -> None:
        raise NotImplementedError

    def _unroute(self) -> None:
        raise NotImplementedError

    def _remove_file(self, remote: str) -> None:
        raise NotImplementedError

    def _running(self, app: str) -> bool:
        raise NotImplementedError

    def _start_entry(self, run: ShellRun) -> None:
        """Start the app's entry again on top of an emptied task; DeviceError when it does not come up."""
        raise NotImplementedError

    def _photo_name(self, path: Path) -> str:
        """What the picker shows of the canary photo."""
        return Path(self._run.files[0]).name if self._run is not None and self._run.files else path.name

    # The UI half of the Device protocol, implemented by each backend.
    def tap(self, node: UiNode) -> None:
        raise NotImplementedError

    def settle(self, timeout: float) -> None:
        raise NotImplementedError

    def screen(self) -> Screen:
        raise NotImplementedError

    # ── shared ───────────────────────────────────────────────────────────────────────────────
    def current_run(self) -> ShellRun:
        if self._run is None:
            raise UiError(self.id, "no app is running")
        return self._run

    def finish(self) -> None:
        """End the run: stop the app, keep its logs, then — whatever failed — undo the route and the files."""
        run, self._run = self._run, None
        if run is None or not self._connected():
            return
        try:
            self._before_stop(run)
            self._stop_app(run.app)
            self._collect_logs(run)
        finally:
            self._unroute()
            for remote in run.files:
                with contextlib.suppress(DeviceError):
                    self._remove_file(remote)
            self.journal.drop("files")

    def alive(self) -> bool:
        if self._run is None or not self._connected():
            return False
        try:
            return self._running(self._run.app)
        except DeviceError:
            return False

    def home(self) -> None:
        self._start_entry(self.current_run())

    def choose_file(self, node: UiNode, path: Path) -> None:
        """Open the app's picker and choose the canary photo planted in the gallery: by its name where the
        picker shows names, else as the backend knows how (_pick_unnamed)."""
        self.tap(node)
        self.settle(5)
        picker = self.screen()
        if not picker.key.startswith(self.PICKERS):
            raise UiError(self.id, f"no system picker after tapping {node.label!r} (in front: {picker.key})")
        name = self._photo_name(path)
        named = [n for n in picker.nodes if name in n.label or name in n.hint]
        if named:
            self.tap(named[0])
            return
        self._pick_unnamed(picker, name)

    def _pick_unnamed(self, picker: Screen, name: str) -> None:
        """A picker that does not show the photo's name."""
        raise UiError(self.id, f"the picker {picker.key} does not show {name}")
