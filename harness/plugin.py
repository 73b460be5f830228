"""pytest11 entry: collects scenarios/*.yaml into items per app × device × check.

`pytest scenarios/` is the sweep; `fingertip sweep` is a thin CLI over it. With pytest-xdist, items
are grouped by device (`--dist loadgroup`), so each device is leased by one worker at a time and
one run of an app on a device feeds every check of that cell.
"""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.capture.ca import remove_ca
from harness.checks.base import ARTICLE_LABEL, Check
from harness.config.farm import DeviceSpecBase, Farm, load_farm
from harness.config.scenario import Scenario, load_scenario
from harness.errors import ConfigError
from harness.session import SweepSession, checks_for, devices_for

SESSION_KEY = pytest.StashKey[SweepSession]()
SWEEP_DIR_KEY = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fingertip", "Fingertip technical detection")
    group.addoption("--ft-farm", default="device_farm.yaml", help="device farm file (default: device_farm.yaml)")
    group.addoption("--ft-out", default="reports", help="folder for sweep reports (default: reports)")
    group.addoption("--ft-no-redact", action="store_true",
                    help="keep phone numbers, ID numbers and tokens unmasked in observations and reports "
                         "(local debugging only)")
    group.addoption("--ft-sweep-dir", default=None,
                    help="folder of this sweep (set by `fingertip sweep`; default: a new one under --ft-out)")
    group.addoption("--ft-resume", action="store_true",
                    help="with --ft-sweep-dir of an interrupted sweep: keep its finished cells, run the rest")
    group.addoption("--ft-retries", type=int, default=1,
                    help="times a cell is tried again after a device fault (default 1)")
    group.addoption("--ft-allow-serve-anywhere", action="store_true",
                    help="let a scenario's `serve:` run an app.py outside the project's samples/ and corpus/")


def _new_sweep_dir(config: pytest.Config) -> Path:
    given = config.getoption("--ft-sweep-dir")
    if given:
        return Path(given)
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    if worker and "fingertip_sweep_dir" in worker:
        return Path(worker["fingertip_sweep_dir"])
    sweep_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    return Path(config.getoption("--ft-out")).resolve() / sweep_id


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SWEEP_DIR_KEY] = _new_sweep_dir(config)
    # A CI timeout or `kill` sends SIGTERM: take the Ctrl-C path, so devices are restored (proxy cleared,
    # app stopped, browsers and servers stopped) and the finished cells' report is written.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupted)
    # A device's cells must stay on one worker (its lease, one run feeding all checks): with -n,
    # plain load distribution becomes loadgroup, grouped by device (xdist picks the scheduler later).
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") in ("no", "load"):
        config.option.dist = "loadgroup"
    # Workers re-parse the command line, so they only know about loadgroup if the controller says so.
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    if worker and worker.get("fingertip_loadgroup"):
        config.option.loadgroup = True


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.workerinput["fingertip_sweep_dir"] = str(node.config.stash[SWEEP_DIR_KEY])
    node.workerinput["fingertip_loadgroup"] = node.config.getvalue("dist") == "loadgroup"


def sweep_session(config: pytest.Config) -> SweepSession:
    if SESSION_KEY not in config.stash:
        farm_path = Path(config.getoption("--ft-farm"))
        farm = load_farm(farm_path if farm_path.is_absolute() else config.rootpath / farm_path)
        sweep_dir = config.stash[SWEEP_DIR_KEY]
        config.stash[SESSION_KEY] = SweepSession(farm, sweep_dir, sweep_dir.name, sweep_dir.parent / ".leases",
                                                 masked=not config.getoption("--ft-no-redact"),
                                                 resume=config.getoption("--ft-resume"),
                                                 retries=max(0, config.getoption("--ft-retries")))
    return config.stash[SESSION_KEY]


def _is_scenario(file_path: Path, config: pytest.Config) -> bool:
    if file_path.suffix not in (".yaml", ".yml"):
        return False
    if file_path.parent.name == "scenarios":
        return True
    return any(Path(arg.split("::")[0]).resolve() == file_path.resolve() for arg in config.args)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_scenario(file_path, parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        scenario = load_scenario(self.path, self.config.getoption("--ft-allow-serve-anywhere"))
        farm: Farm = sweep_session(self.config).farm
        for spec in devices_for(scenario, farm):
            for check in checks_for(scenario):
                item = CheckItem.from_parent(self, name=f"{spec.id}::{check.name}[{check.article}]",
                                             scenario=scenario, spec=spec, check=check)
                item.add_marker(pytest.mark.xdist_group(spec.id))
                yield item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConfigError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class VerdictFail(Exception):
    """The check found a violation."""


class VerdictError(Exception):
    """The run or the check could not finish."""


class CheckItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, spec: DeviceSpecBase, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.spec = spec
        self.check = check

    def runtest(self) -> None:
        record = sweep_session(self.config).record_for(self.scenario, self.spec, self.check)
        self.user_properties.append(("verdict", record["verdict"]))
        self.user_properties.append(("article", record["article"]))
        verdict = record["verdict"]
        if verdict == "fail":
            raise VerdictFail(record)
        if verdict == "error":
            raise VerdictError(record)
        if verdict == "skip":
            pytest.skip(record["summary"])

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, VerdictFail | VerdictError):
            record = excinfo.value.args[0]
            label = ARTICLE_LABEL.get(record["article"], record["article"])
            lines = [f"[{record['verdict']}] {label} {record['summary']}"]
            for e in record["evidence"][:10]:
                at = f"{e['t']:.1f}s " if e.get("t") is not None else ""
                lines.append(f"  {at}{e['kind']}: {e.get('note') or e.get('ref') or e.get('path', '')}")
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.scenario.id} @ {self.spec.id}: {self.check.name} [{self.check.article}]"


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if SESSION_KEY in config.stash:
        config.stash[SESSION_KEY].close()
    if hasattr(config, "workerinput"):
        return  # the controller writes the sweep's reports once every worker is done
    sweep_dir = config.stash[SWEEP_DIR_KEY]
    remove_ca(sweep_dir)  # every run of the sweep is over: its capture CA key goes
    if (sweep_dir / "runs").is_dir():
        from harness.reports.sweep import write_reports

        write_reports(sweep_dir)
