"""A local Appium 3 server for one device, started and stopped by the harness."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from appium.webdriver.appium_service import AppiumService

from harness import tools
from harness.errors import BackendUnavailable, HostError


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc): what a server this harness started has started in turn."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(status.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(status.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class LocalAppium:
    def __init__(self, device_id: str, log_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.device_id = device_id
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.port = tools.free_port()
        self._service: AppiumService | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalAppium:
        appium = tools.appium()
        node = shutil.which("node")
        if not appium.path or not node:
            raise BackendUnavailable(self.device_id, f"Appium 3 is not installed: {appium.install}")
        env = {**os.environ, **self.extra_env}
        if appium.path.endswith(".js"):
            env["APPIUM_HOME"] = str(tools.APPIUM_HOME)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        # The service polls /status until Appium listens; each refused poll is not worth a warning.
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        self._service = AppiumService()
        try:
            self._service.start(
                args=["--address", "127.0.0.1", "--port", str(self.port), "--log-level", "info",
                      "--log-no-colors"],
                env=env, node=node, main_script=appium.path, stdout=self._log, stderr=self._log,
                timeout_ms=60000,
            )
        except Exception as e:
            self.__exit__()
            raise HostError(f"{self.device_id}: Appium did not start: {e}") from e
        return self

    def descendants(self) -> list[int]:
        """The processes this Appium started (drivers, browsers)."""
        process = self._service._process if self._service is not None else None
        return descendants(process.pid) if process is not None else []

    def __exit__(self, *exc: object) -> None:
        if self._service is not None:
            self._service.stop(timeout=10)
            self._service = None
        if getattr(self, "_log", None):
            self._log.close()
