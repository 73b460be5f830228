"""Two web devices swept in parallel (-n 2): each device on its own worker, no run ending another's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

FARM = """\
devices:
  - id: web-a
    kind: web
    headless: true
  - id: web-b
    kind: web
    headless: true
"""


def test_two_web_devices_in_parallel(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    farm = tmp_path / "farm.yaml"
    farm.write_text(FARM, encoding="utf-8")
    fingertip = Path(sys.executable).with_name("fingertip")
    result = subprocess.run([str(fingertip), "sweep", "--farm", str(farm), "--scenarios",
                             str(root / "scenarios" / "zhangshang.yaml"), "--out", str(tmp_path / "out"), "-n", "2"],
                            cwd=root, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = json.loads((tmp_path / "out" / "latest" / "results.json").read_text(encoding="utf-8"))
    assert {r["device"] for r in records} == {"web-a", "web-b"}
    assert not [r for r in records if r["verdict"] == "error"]
    by_device = {d: {r["article"]: r["verdict"] for r in records if r["device"] == d} for d in ("web-a", "web-b")}
    assert by_device["web-a"] == by_device["web-b"]  # the same app judged alike on both
