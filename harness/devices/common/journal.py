"""What the harness changed on a device and must undo, kept on disk: a sweep killed mid-run leaves the
device's proxy route set; the next sweep that opens the device undoes it first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def set(self, key: str, value: Any) -> None:
        data = self.load()
        data[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(self.path)

    def drop(self, key: str) -> None:
        data = self.load()
        if key in data:
            data.pop(key)
            if data:
                self.path.write_text(json.dumps(data), encoding="utf-8")
            else:
                self.path.unlink(missing_ok=True)
