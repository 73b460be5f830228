"""Screen recording on HarmonyOS by screenshots: `snapshot_display` frames, each stamped with the host
time it was taken, joined into a video whose frames last until the next one (variable frame rate).

A frame every second or so is what hdc can pull; each frame is on the run clock, so clicking a finding
in the report still seeks to what the screen showed then. The report says it is a frame sequence.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.devices.harmony.hdc import Hdc
from harness.devices.protocol import VideoInfo
from harness.errors import DeviceError, HostError

REMOTE = "/data/local/tmp"


@dataclass
class SnapshotRecorder:
    hdc: Hdc
    size: tuple[int, int]
    interval_s: float = 1.0
    frames: list[tuple[float, Path]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _path: Path | None = None
    _error: str = ""

    def start(self, path: Path) -> None:
        self._path = path
        self.frames.clear()
        self._stop.clear()
        folder = path.with_suffix(".frames")
        folder.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, args=(folder,), daemon=True,
                                        name=f"snapshots-{self.hdc.device_id}")
        self._thread.start()

    def _loop(self, folder: Path) -> None:
        index = 0
        while not self._stop.is_set():
            taken = time.time()
            remote = f"{REMOTE}/fingertip-{self.hdc.device_id}-frame-{index:05d}.jpeg"  # a new name each time
            local = folder / f"{index:05d}.jpeg"
            try:
                self.hdc.shell(f"snapshot_display -f {remote}")
                self.hdc.recv(remote, local)
                self.hdc.shell(f"rm -f {remote}")
            except DeviceError as e:
                self._error = str(e)
                if not self.frames:
                    return
            else:
                self.frames.append((taken, local))
                index += 1
            self._stop.wait(max(0.0, self.interval_s - (time.time() - taken)))

    def stop(self) -> VideoInfo | None:
        if self._thread is None or self._path is None:
            return None
        self._stop.set()
        self._thread.join(timeout=30)
        self._thread = None
        if not self.frames:
            raise DeviceError(self.hdc.device_id, f"no screen frames: {self._error or 'snapshot_display gave none'}")
        path = self._path
        join_frames(self.frames, time.time(), path)
        with contextlib.suppress(OSError):
            shutil.rmtree(path.with_suffix(".frames"))
        return VideoInfo(path=path, start=self.frames[0][0], width=self.size[0], height=self.size[1])


def join_frames(frames: list[tuple[float, Path]], ended: float, path: Path) -> None:
    """An H.264 video where each frame lasts until the next one was taken (ffmpeg concat durations)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise HostError("ffmpeg is needed to join the screen frames (apt install ffmpeg)")
    listing = path.with_suffix(".frames.txt")
    lines = []
    for (taken, frame), (following, _) in zip(frames, [*frames[1:], (ended, frames[-1][1])], strict=True):
        lines.append(f"file '{frame.resolve()}'\nduration {max(0.04, following - taken):.3f}\n")
    lines.append(f"file '{frames[-1][1].resolve()}'\n")  # the concat demuxer needs the last file twice
    listing.write_text("".join(lines), encoding="utf-8")
    result = subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
                             "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", "-vsync", "vfr",
                             "-c:v", "libx264", "-preset", "veryfast", str(path)],
                            capture_output=True, text=True, timeout=600)
    listing.unlink(missing_ok=True)
    if result.returncode != 0:
        raise HostError(f"ffmpeg could not join the screen frames: {result.stderr.strip()[-500:]}")
