"""A `fingertip worker` whose web devices are fakes replaying the bundled samples' recorded runs.

`python -m tests.fakes.cluster_worker --scheduler ADDRESS --farm FILE …` takes `fingertip worker`'s options.
Its runs go through the real SweepSession (leases, retries, quarantine, stand-ins, results, run pages); only
the device and execute_run are replaced, as tests/plugin/test_plugin.py does for local sweeps.

Environment:
- FINGERTIP_FAKE_LOG: a file each run appends `<app>@<cell> on <device>` to as it starts;
- FINGERTIP_FAKE_HOLD_AFTER=N: after N runs this process's runs do not end until it is killed or the file
  FINGERTIP_FAKE_RELEASE names exists (a worker lost mid-cell, a submitter killed while cells run);
- FINGERTIP_FAKE_LOST=<device id>: every run on that device loses it (a device its host quarantines);
- FINGERTIP_FAKE_RUN_S: seconds each run takes (benchmarks).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "observations"
RECORDED = {"good": "ebantong", "bad": "ganbutong"}
"""Scenario id (up to a `-`) → the recorded sample run it replays."""

_runs = 0
_lock = threading.Lock()


class FakeDevice:
    def __init__(self, spec: Any, work_dir: Path) -> None:
        self.spec = spec

    @property
    def id(self) -> str:
        return str(self.spec.id)

    def __enter__(self) -> FakeDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def healthy(self) -> bool:
        return True


def fake_execute_run(scenario: Any, device: Any, sweep_dir: Path, sweep_id: str, masked: bool = True,
                     cell_device: str | None = None) -> Any:
    from harness.observe.model import Observations
    from harness.run import RunPaths

    global _runs
    cell = cell_device or device.id
    runs_log = os.environ.get("FINGERTIP_FAKE_LOG")
    if runs_log:
        with open(runs_log, "a", encoding="utf-8") as log:
            log.write(f"{scenario.id}@{cell} on {device.id}\n")
    if os.environ.get("FINGERTIP_FAKE_LOST") == device.id:
        from harness.errors import DeviceLost

        raise DeviceLost(device.id, "the browser session is gone")
    hold_after = os.environ.get("FINGERTIP_FAKE_HOLD_AFTER")
    with _lock:
        _runs += 1
        held = hold_after is not None and _runs > int(hold_after)
    release = os.environ.get("FINGERTIP_FAKE_RELEASE")
    while held and not (release and Path(release).exists()):  # a run that does not end: the test kills it
        time.sleep(0.05)
    time.sleep(float(os.environ.get("FINGERTIP_FAKE_RUN_S", "0")))  # the device's own time (benchmarks)
    sample = RECORDED[scenario.id.split("-")[0]]
    data = json.loads((DATA / f"{sample}.json").read_text(encoding="utf-8"))
    data.update(app=scenario.id, device=cell, run_id=f"{sweep_id}/{scenario.id}@{cell}")
    if cell != device.id:
        data["device_info"] = {**data.get("device_info", {}), "ran_on": device.id}
    root = RunPaths.for_cell(sweep_dir, scenario.id, cell).root
    root.mkdir(parents=True, exist_ok=True)
    (root / "video.mp4").write_bytes(b"fake video of " + f"{scenario.id}@{device.id}".encode())
    observations = Observations.model_validate(data)
    observations.save(root)
    return observations


def install() -> None:
    import harness.devices.registry as registry
    import harness.session

    harness.session.execute_run = fake_execute_run
    registry.BACKENDS["web"] = dataclasses.replace(registry.BACKENDS["web"], factory=FakeDevice)  # type: ignore[arg-type]


if __name__ == "__main__":
    install()
    from harness.cli import main

    sys.exit(main(["worker", *sys.argv[1:]]))
