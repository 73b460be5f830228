"""Small pieces the addons share: flow metadata keys and an append-only JSON-lines writer."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

INTERNAL = "fingertip.internal"
"""Flow metadata: the harness's own traffic (hook reports), never an app flow."""
REFUSED = "fingertip.refused"
"""Flow metadata: refused by the egress guard."""
HOOK_SINK_HOST = "fingertip-hooks.invalid"
"""The made-up host the web device's injected script reports hook events to (.invalid never resolves)."""


class JsonLines:
    """Appends one JSON object per line and flushes at once: capture that silently stops is worse than a crash."""

    def __init__(self) -> None:
        self._file: Any = None
        self._lock = threading.Lock()

    def open(self, path: str) -> None:
        self.close()
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            return
        with self._lock:
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
