"""A sweep on a real farm (Android phones, AVDs, HarmonyOS emulators), only when one is given:

    ./setup.sh test tests/device --ft-real-farm my_farm.yaml --ft-real-scenarios my_scenarios/

Skipped otherwise: nothing here pretends a device ran.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.device


def test_every_farm_device_produces_results(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    farm = Path(request.config.getoption("--ft-real-farm"))
    scenarios = request.config.getoption("--ft-real-scenarios") or "scenarios"
    fingertip = Path(sys.executable).with_name("fingertip")
    result = subprocess.run([str(fingertip), "sweep", "--farm", str(farm), "--scenarios", scenarios,
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=6 * 3600)
    assert result.returncode in (0, 3), result.stdout[-4000:] + result.stderr[-4000:]
    records = json.loads((tmp_path / "latest" / "results.json").read_text(encoding="utf-8"))
    assert records, "the sweep produced no results"
    errors = [f"{r['app']}@{r['device']} {r['check']}: {r['summary']}" for r in records if r["verdict"] == "error"]
    assert not errors, "\n".join(errors)
