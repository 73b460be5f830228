"""Screen recording of an X display with ffmpeg, with the first frame's wall-clock time."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from harness.devices.protocol import VideoInfo
from harness.errors import DeviceError, HostError

# x11grab stamps frames with the wall clock; ffmpeg prints the first one as the input's start.
_START = re.compile(r"Input #0, x11grab.*?start: ([0-9.]+)", re.S)


class X11Recorder:
    def __init__(self, device_id: str, display: str, width: int, height: int, fps: int = 8) -> None:
        self.device_id = device_id
        self.display = display
        self.width = width
        self.height = height
        self.fps = fps
        self._process: subprocess.Popen[bytes] | None = None
        self._path: Path | None = None
        self._log: Path | None = None
        self._launched = 0.0

    def start(self, path: Path) -> None:
        ffmpeg = shutil.which("ffmpeg")
        if not ffmpeg:
            raise HostError("ffmpeg is not installed (apt-get install ffmpeg)")
        self._path, self._log = path, path.with_suffix(".ffmpeg.log")
        command = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-f", "x11grab", "-draw_mouse", "0",
                   "-framerate", str(self.fps), "-video_size", f"{self.width}x{self.height}", "-i", self.display,
                   "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-pix_fmt", "yuv420p",
                   "-movflags", "+faststart", str(path)]
        self._launched = time.time()
        with open(self._log, "wb") as log:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def stop(self) -> VideoInfo | None:
        process, self._process = self._process, None
        if process is None or self._path is None or self._log is None:
            return None
        if process.poll() is None:
            process.terminate()  # ffmpeg finishes the file on SIGTERM
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log = self._log.read_text(errors="replace")
        if not self._path.exists() or self._path.stat().st_size == 0:
            raise DeviceError(self.device_id, "screen recording produced no video", log[-2000:])
        match = _START.search(log)
        start = float(match.group(1)) if match else self._launched
        return VideoInfo(self._path, start, self.width, self.height)
