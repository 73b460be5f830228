"""An Android phone's programs for the fake adb server: pm, am, settings, dumpsys, logcat, date, wm,
content, screenrecord. Each answers with outputs transcribed from AOSP's sources in the formats real captures
show (tests/data/android, see its README: none was captured on a device here), so the harness's parsing meets
what a phone prints; the state they change (installed packages, proxy
setting, running processes, files) is kept to assert on."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.adb_server import FakeAndroid, FakeFile, Output

RECORDED = Path(__file__).resolve().parents[1] / "data" / "android"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text(encoding="utf-8")


@dataclass
class PhoneApps:
    """Install onto a FakeAndroid with `PhoneApps(fake).install()`."""

    fake: FakeAndroid
    install_output: str = "Success\n"
    """What `pm install` prints (a recorded failure to test those)."""
    install_outputs: list[str] = field(default_factory=list)
    """Outputs for the next installs, in order; install_output once these are used."""
    settings: dict[str, str] = field(default_factory=lambda: {"http_proxy": "null"})
    installed: dict[str, int] = field(default_factory=dict)
    am_output: str = field(default_factory=lambda: recorded("am_start_ok.txt"))
    logcat: str = field(default_factory=lambda: recorded("logcat_crash.txt"))
    dropbox: dict[str, str] = field(default_factory=lambda: {"data_app_crash": recorded("dropbox_crash.txt"),
                                                             "data_app_anr": recorded("dropbox_anr.txt")})
    device_epoch: int = 1795400000
    segments: list[bytes] = field(default_factory=list)
    """Video files screenrecord "writes", one per segment (the last one repeats)."""
    recording: threading.Event = field(default_factory=threading.Event)
    display: tuple[int, int] = (1080, 2400)
    """The frame screenrecord takes without `--size`."""
    encoder_max: tuple[int, int] | None = None
    """The largest frame the AVC encoder can be configured for (emulators and some phones refuse the native size);
    None: any."""

    def install(self) -> PhoneApps:
        self.fake.extra.update({"pm": self.pm, "am": self.am, "settings": self.settings_command, "wm": self.wm,
                                "dumpsys": self.dumpsys, "logcat": self.logcat_command, "date": self.date,
                                "content": lambda argv: ("Result: null\n", 0), "sh": self.sh,
                                "uiautomator": self.uiautomator})
        return self

    def uiautomator(self, argv: list[str]) -> tuple[Output, int]:
        """`uiautomator dump [FILE]` writes the window's hierarchy and says where, with AOSP's own spelling
        (DumpCommand: "UI hierchary dumped to: …")."""
        if argv[1:2] != ["dump"]:
            return "Usage: uiautomator <subcommand> [options]\n", 1
        path = argv[2] if len(argv) > 2 else "/sdcard/window_dump.xml"
        self.fake.files[path] = FakeFile(recorded("uiautomator_dump.xml").encode(), 0o644)
        return f"UI hierchary dumped to: {path}\n", 0

    def pm(self, argv: list[str]) -> tuple[Output, int]:
        verb, args = argv[1], argv[2:]
        if verb == "install":
            path = args[-1]
            if path not in self.fake.files:
                return f"Exception occurred while executing 'install':\njava.lang.IllegalArgumentException: " \
                       f"Error: Can't open file: {path}\n", 255
            output = self.install_outputs.pop(0) if self.install_outputs else self.install_output
            if output.startswith("Success"):
                self.installed["gov.fingertip.sample"] = 3
            return output, 0 if output.startswith("Success") else 1
        if verb == "uninstall":
            if self.installed.pop(args[-1], None) is None:
                return "Failure [DELETE_FAILED_INTERNAL_ERROR]\n", 1
            return "Success\n", 0
        if verb in ("clear", "grant"):
            return ("Success\n" if verb == "clear" else ""), 0
        return f"Unknown command: {verb}\n", 1

    def am(self, argv: list[str]) -> tuple[Output, int]:
        if argv[1] == "start":
            component = argv[argv.index("-n") + 1]
            package = component.split("/")[0]
            if package not in self.installed:
                return f"Starting: Intent {{ cmp={component} }}\nError type 3\nError: Activity class {{{component}}} " \
                       "does not exist.\n", 1
            if not any(cmd[0] == package for cmd in self.fake.processes.values()):
                self.fake.spawn([package], by_shell=False)
            return self.am_output, 0
        if argv[1] == "force-stop":
            for pid in [p for p, cmd in self.fake.processes.items() if cmd[0] == argv[2]]:
                del self.fake.processes[pid]
            return "", 0
        if argv[1] == "broadcast":
            return "Broadcasting: Intent { act=android.intent.action.MEDIA_SCANNER_SCAN_FILE }\nBroadcast completed: " \
                   "result=0\n", 0
        return "", 1

    def settings_command(self, argv: list[str]) -> tuple[Output, int]:
        verb, _namespace, key = argv[1:4]
        if verb == "get":
            return self.settings.get(key, "null") + "\n", 0
        if verb == "put":
            self.settings[key] = argv[4]
            return "", 0
        return "", 1

    def wm(self, argv: list[str]) -> tuple[Output, int]:
        return recorded("wm_size.txt"), 0

    def dumpsys(self, argv: list[str]) -> tuple[Output, int]:
        if argv[1:3] == ["dropbox", "--print"]:
            return self.dropbox.get(argv[3], f"Drop box contents: 0 entries\n\nSearching for: {argv[3]}\n"), 0
        if argv[1] == "meminfo":
            return recorded("meminfo.txt"), 0
        if argv[1:3] == ["activity", "activities"]:
            return recorded("dumpsys_activities_14.txt"), 0
        return "", 0

    def logcat_command(self, argv: list[str]) -> tuple[Output, int]:
        return self.logcat, 0

    def date(self, argv: list[str]) -> tuple[Output, int]:
        return ("+0800\n" if argv[1:] == ["+%z"] else f"{self.device_epoch}\n"), 0

    def sh(self, argv: list[str]) -> tuple[Output, int]:
        """`sh -c 'echo $$; exec screenrecord …'`: prints its pid, then records until SIGINT or the time limit."""
        script = argv[2]
        found = re.search(r"screenrecord --time-limit (\d+) .* (\S+\.mp4)$", script)
        if not found:
            return f"sh: cannot run {script!r} here\n", 127
        limit, remote = float(found[1]), found[2]
        sized = re.search(r"--size (\d+)x(\d+)", script)
        return self._record(limit, remote, (int(sized[1]), int(sized[2])) if sized else None), 0

    def _refuses(self, size: tuple[int, int]) -> bool:
        return self.encoder_max is not None and (size[0] > self.encoder_max[0] or size[1] > self.encoder_max[1])

    def _record(self, limit: float, remote: str, size: tuple[int, int] | None) -> Iterator[str]:
        pid = self.fake.spawn(["screenrecord", remote])
        yield f"{pid}\n"
        # AOSP screenrecord.cpp: a size the encoder refuses is an ERROR line; only without `--size` does it retry
        # once at 720x1280 (1280x720 swapped for portrait) by itself, and it exits when that fails too.
        frame = size or self.display
        if self._refuses(frame):
            yield f"ERROR: unable to configure video/avc codec at {frame[0]}x{frame[1]} (err=-22)\n"
            fallback = (720, 1280) if frame[0] < frame[1] else (1280, 720)
            if size is not None or self._refuses(fallback):
                if size is None:
                    yield (f"WARNING: failed at {frame[0]}x{frame[1]}, retrying at {fallback[0]}x{fallback[1]}\n"
                           f"ERROR: unable to configure video/avc codec at {fallback[0]}x{fallback[1]} (err=-22)\n")
                self.fake.processes.pop(pid, None)
                return
            yield f"WARNING: failed at {frame[0]}x{frame[1]}, retrying at {fallback[0]}x{fallback[1]}\n"
        self.recording.set()
        waited = 0.0
        while pid in self.fake.processes and waited < limit:  # until kill -2 or the time limit
            threading.Event().wait(0.05)
            waited += 0.05
        self.fake.processes.pop(pid, None)
        index = int(re.search(r"-(\d+)\.mp4$", remote)[1])  # type: ignore[index]
        data = self.segments[min(index, len(self.segments) - 1)] if self.segments else b"\0\0\0\x18ftypmp42"
        self.fake.files[remote] = FakeFile(data, 0o644)
