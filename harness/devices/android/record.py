"""Screen recording of an Android device for a whole run.

`screenrecord` stops by itself after 180 s, so segments are chained: each starts as the last one
ends, its host start time noted. At the end the segments are pulled and joined (ffmpeg concat) into
one video; `video.segments.json` keeps each segment's start on the run clock, since the restart gap
(a few hundred ms) is not in the joined file. scrcpy, when installed, records in one piece instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.devices.protocol import VideoInfo
from harness.errors import DeviceError, HostError

SEGMENT_S = 180
"""screenrecord's own limit (--time-limit cannot go above it)."""
REMOTE_DIR = "/data/local/tmp"
AT_ONCE_S = 3.0
"""A segment that ends sooner, unasked, did not record: the encoder refused the size (explicit `--size`: exit in
~0.1 s with "ERROR: unable to configure video/avc codec at WxH"; without it, after screenrecord's own 720p retry)."""


def smaller(size: tuple[int, int]) -> tuple[int, int]:
    """Half of `size`, even on both sides (encoders take no odd dimension; AOSP screenrecord floors to even)."""
    return max(2, size[0] // 4 * 2), max(2, size[1] // 4 * 2)


@dataclass
class Segment:
    remote: str
    start: float
    """Host epoch seconds when screenrecord was started."""
    pid: int | None = None
    size: tuple[int, int] = (0, 0)
    """The frame it records at: the display's, or the smaller `--size` after a refusal."""


@dataclass
class ScreenrecordChain:
    """`screenrecord` segments, one after another, until stopped."""

    adb_device: Any
    device_id: str
    size: tuple[int, int]
    bit_rate: int = 4_000_000
    segment_s: int = SEGMENT_S
    segments: list[Segment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What happened to the recording that a reader of the video should know (a refused size, the retry)."""
    record_size: tuple[int, int] | None = None
    """The `--size` given to screenrecord; None: the display's own size."""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _error: str = ""
    _path: Path | None = None

    def start(self, path: Path) -> None:
        self._path = path
        self._stop.clear()
        self.segments.clear()
        self.notes.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"screenrecord-{self.device_id}")
        self._thread.start()

    def _loop(self) -> None:
        index = 0
        retried = False
        while not self._stop.is_set():
            remote = f"{REMOTE_DIR}/fingertip-{self.device_id}-{index:03d}.mp4"
            size = f" --size {self.record_size[0]}x{self.record_size[1]}" if self.record_size else ""
            # `exec` keeps the shell's pid, which the first line reports: the one screenrecord to stop.
            command = (f"sh -c 'echo $$; exec screenrecord --time-limit {self.segment_s}{size} --bit-rate "
                       f"{self.bit_rate} {remote}'")
            segment = Segment(remote, time.time(), size=self.record_size or self.size)
            try:
                stream = self.adb_device.shell(command, stream=True)
            except Exception as e:  # adbutils raises AdbError / OSError when the device went away
                self._error = f"screenrecord could not start: {e}"
                return
            self.segments.append(segment)
            with contextlib.closing(stream):
                output = b""
                while True:
                    chunk = stream.recv(4096)
                    if not chunk:
                        break
                    output += chunk
                    if segment.pid is None and b"\n" in output:
                        first = output.split(b"\n", 1)[0].strip()
                        segment.pid = int(first) if first.isdigit() else None
            if segment.pid is None:
                self.segments.remove(segment)
                self._error = f"screenrecord did not run: {output.decode(errors='replace').strip()[:300]}"
                return
            index += 1
            if self._stop.is_set() or time.time() - segment.start >= min(AT_ONCE_S, self.segment_s / 2):
                continue
            # Exited at once: chaining on would start it again and again. Keep what it said, try once smaller.
            self.segments.remove(segment)
            with contextlib.suppress(Exception):
                self.adb_device.shell(["rm", "-f", remote])
            said = " ".join(output.decode(errors="replace").split("\n", 1)[-1].split())[:300] or "no message"
            tried = "x".join(map(str, self.record_size or self.size))
            if retried:
                self._error = (f"screenrecord exited at once again at --size {tried} ({said}): the run goes on "
                               "without video")
                self.notes.append(self._error)  # segments recorded before this one are kept
                return
            retried = True
            self.record_size = smaller(self.record_size or self.size)
            self.notes.append(f"screenrecord exited at once at {tried} ({said}); retried once at --size "
                              f"{self.record_size[0]}x{self.record_size[1]}")

    def stop(self) -> VideoInfo | None:
        if self._thread is None or self._path is None:
            return None
        self._stop.set()
        for segment in self.segments[-1:]:
            if segment.pid:  # SIGINT: screenrecord finishes the file's index before it exits
                self.adb_device.shell(f"kill -2 {segment.pid}")
        self._thread.join(timeout=30)
        self._thread = None
        if not self.segments:
            raise DeviceError(self.device_id, self._error or "screenrecord recorded nothing")
        path = self._path
        parts = self._pull(path)
        join(parts, path)
        for part in parts:
            part.unlink(missing_ok=True)
        first = self.segments[0].start
        (path.with_suffix(".segments.json")).write_text(json.dumps(
            [{"file": s.remote.rsplit("/", 1)[-1], "start": s.start, "offset_s": round(s.start - first, 3),
              "size": f"{s.size[0]}x{s.size[1]}", **({"notes": self.notes} if i == 0 and self.notes else {})}
             for i, s in enumerate(self.segments)], indent=1), encoding="utf-8")
        width, height = self.segments[0].size
        return VideoInfo(path=path, start=first, width=width, height=height)

    def _pull(self, path: Path) -> list[Path]:
        parts: list[Path] = []
        for segment in self.segments:
            local = path.with_name(segment.remote.rsplit("/", 1)[-1])
            try:
                self.adb_device.sync.pull(segment.remote, str(local))
            except Exception as e:
                raise DeviceError(self.device_id, f"could not pull {segment.remote}: {e}") from e
            finally:
                with contextlib.suppress(Exception):
                    self.adb_device.shell(["rm", "-f", segment.remote])
            parts.append(local)
        return parts


def join(parts: list[Path], path: Path) -> None:
    """One video from the segments, streams copied (no re-encoding)."""
    if len(parts) == 1:
        parts[0].replace(path)
        return
    listing = path.with_suffix(".parts.txt")
    listing.write_text("".join(f"file '{p.name}'\n" for p in parts), encoding="utf-8")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise HostError("ffmpeg is needed to join screenrecord segments (apt install ffmpeg)")
    result = subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", listing.name,
                             "-c", "copy", path.name], cwd=path.parent, capture_output=True, text=True, timeout=300)
    listing.unlink(missing_ok=True)
    if result.returncode != 0:
        raise DeviceError("-", f"ffmpeg could not join the segments: {result.stderr.strip()[-500:]}")


@dataclass
class ScrcpyRecorder:
    """scrcpy records the whole run in one file, without a window (scrcpy ≥ 2.5 options)."""

    serial: str
    device_id: str
    size: tuple[int, int]
    adb_server: tuple[str, int] | None = None
    tunnel_host: str | None = None
    """A remote adb server's host: scrcpy's forwarded tunnel listens there (scrcpy docs, "Tunnels")."""
    _process: subprocess.Popen[bytes] | None = None
    _path: Path | None = None
    _start: float = 0.0

    def start(self, path: Path) -> None:
        scrcpy = shutil.which("scrcpy")
        if scrcpy is None:
            raise DeviceError(self.device_id, "scrcpy is not installed")
        env = dict(os.environ)
        if self.adb_server:  # scrcpy runs adb, which reads where the server is from these
            env["ANDROID_ADB_SERVER_ADDRESS"], env["ANDROID_ADB_SERVER_PORT"] = self.adb_server[0], str(
                self.adb_server[1])
            env.pop("ADB_SERVER_SOCKET", None)  # adb prefers it to the two above: an inherited one would win
        self._path = path
        self._start = time.time()
        tunnel = [f"--tunnel-host={self.tunnel_host}"] if self.tunnel_host else []
        self._process = subprocess.Popen(
            [scrcpy, "--serial", self.serial, "--no-window", "--no-playback", "--no-audio", "--no-control", *tunnel,
             f"--record={path}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> VideoInfo | None:
        process, self._process = self._process, None
        if process is None or self._path is None:
            return None
        process.send_signal(signal.SIGINT)  # scrcpy finishes the file on Ctrl+C
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        if not self._path.exists():
            raise DeviceError(self.device_id, f"scrcpy wrote no video: {err.decode(errors='replace')[-500:]}")
        return VideoInfo(path=self._path, start=self._start, width=self.size[0], height=self.size[1])
