"""A sweep that loses its browser and driver in the middle: no finished result is lost, the cell that
was running is tried again on the reopened device (or reported as an infra error), and `--resume`
after an interrupted sweep keeps what was finished. Runs in a network namespace with only loopback."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

FAST = {"explore": {"budget_s": 25, "max_actions": 25, "settle_s": 2, "dwell_s": 2}, "ipv6": {"only_pass_s": 0}}


def scenarios(root: Path, folder: Path) -> Path:
    """Two bundled samples with a shorter walk, so the test spends its time on the fault."""
    folder.mkdir()
    for name in ("ebantong", "zhangshang"):
        data = yaml.safe_load((root / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))
        data["serve"] = str((root / "scenarios" / data["serve"]).resolve())
        data.update(FAST)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def descendants(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(status.parent.name)
            children += [child, *descendants(child)]
    return children


def all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_browser_and_driver(sweep_pid: int) -> list[str]:
    killed = []
    for pid in descendants(sweep_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "chromium" in command or "chromedriver" in command:
            os.kill(pid, signal.SIGKILL)
            killed.append(command.split()[0])
    return killed


SCRATCH = Path(tempfile.gettempdir()) / f"ft-faults-{os.getpid()}"


def scratch_for(out: Path) -> Path:
    return SCRATCH / hashlib.sha1(str(out).encode()).hexdigest()[:8]


@pytest.fixture(scope="module", autouse=True)
def _remove_scratch() -> Iterator[None]:
    yield
    shutil.rmtree(SCRATCH, ignore_errors=True)


def start_sweep(root: Path, scenario_dir: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    fingertip = Path(sys.executable).with_name("fingertip")
    command = shlex.join([str(fingertip), "sweep", "--scenarios", str(scenario_dir), "--out", str(out), *extra])
    script = f"ip link set lo up && exec {command}"
    # Its own temporary folder: the browser profiles it makes there name this sweep's browsers, not those of
    # another sweep on the same machine. Short: Chromium's singleton socket under it must fit a socket path.
    scratch = scratch_for(out)
    scratch.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["unshare", "--net", "bash", "-c", script], cwd=root, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture
def needs_namespace() -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.fail("the fault tests need root and unshare (a network namespace with only loopback)")


def test_losing_the_browser_mid_sweep_loses_no_finished_result(root: Path, tmp_path: Path,
                                                                needs_namespace: None) -> None:
    folder = scenarios(root, tmp_path / "scenarios")
    out = tmp_path / "reports"
    sweep = start_sweep(root, folder, out)
    first = next(iter(sorted(out.glob("*/runs/ebantong@web-phone/results.json"))), None)
    deadline = time.monotonic() + 300
    while first is None:
        assert sweep.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)
        first = next(iter(sorted(out.glob("*/runs/ebantong@web-phone/results.json"))), None)
    finished_before = first.read_text(encoding="utf-8")
    time.sleep(8)  # the second cell is walking its app now
    killed = kill_browser_and_driver(sweep.pid)
    assert killed, "no browser or driver to kill"
    output, _ = sweep.communicate(timeout=600)
    assert sweep.returncode in (0, 3), output[-3000:]
    assert first.read_text(encoding="utf-8") == finished_before  # the finished cell is untouched
    records = json.loads((first.parents[2] / "results.json").read_text(encoding="utf-8"))
    second = [r for r in records if r["app"] == "zhangshang"]
    assert len(second) == 7 and len([r for r in records if r["app"] == "ebantong"]) == 7
    retried = {r["run"].get("retried") for r in second}
    errored = {r["verdict"] for r in second} == {"error"}
    assert retried == {1} or errored, [(r["verdict"], r["summary"]) for r in second]
    assert not any("harness" in r["summary"] for r in second)  # a device fault, not a harness bug


def test_resume_after_a_killed_sweep_keeps_finished_cells(root: Path, tmp_path: Path,
                                                                needs_namespace: None) -> None:
    folder = scenarios(root, tmp_path / "scenarios")
    out = tmp_path / "reports"
    sweep = start_sweep(root, folder, out)
    deadline = time.monotonic() + 300
    first = None
    while first is None:
        assert sweep.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)
        first = next(iter(sorted(out.glob("*/runs/ebantong@web-phone/results.json"))), None)
    sweep_dir = first.parents[2]
    os.kill(sweep.pid, signal.SIGTERM)  # a CI timeout in the middle of the second cell
    sweep.communicate(timeout=120)
    ours = (str(sweep_dir), str(scratch_for(out)))  # proxies name the sweep; browsers their TMPDIR profile

    def left() -> list[str]:
        return [c for c in map(cmdline, all_pids()) if any(mark in c for mark in ours)]

    deadline = time.monotonic() + 10
    while left() and time.monotonic() < deadline:  # a process already signalled may take a moment to go
        time.sleep(0.2)
    assert left() == []  # browsers, drivers, proxies: all stopped
    assert (sweep_dir / "results.json").is_file()  # the report of what finished was written on the way out
    finished_before = first.read_text(encoding="utf-8")
    resumed = start_sweep(root, folder, out, "--resume", str(sweep_dir))
    output, _ = resumed.communicate(timeout=600)
    assert resumed.returncode in (0, 3), output[-3000:]
    assert first.read_text(encoding="utf-8") == finished_before  # kept, not run again
    records = json.loads((sweep_dir / "results.json").read_text(encoding="utf-8"))
    assert sorted({r["app"] for r in records}) == ["ebantong", "zhangshang"]
    assert all(r["verdict"] != "error" for r in records), [r["summary"] for r in records if r["verdict"] == "error"]
