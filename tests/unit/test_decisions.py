"""Reviewers decide: `fingertip decide`, the append-only decisions file, and what the reports make of it.

Sweeps are built from recorded observations (tests/data/observations) with `fingertip recheck`: no device,
no browser. ganbutong@web-phone judges 14(4) `review` and 5 `fail`; ebantong passes everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import cli
from harness.reports.decisions import (
    DECISIONS,
    Decision,
    append_decision,
    evidence_digest,
    latest,
    read_decisions,
)

FIRST, SECOND, THIRD = "20261120-020000-aaaa", "20261121-020000-bbbb", "20261122-020000-cccc"


def make_sweep(reports: Path, name: str, data: Path, apps: tuple[str, ...] = ("ganbutong",)) -> Path:
    """A sweep folder judged from recorded observations, as a finished sweep leaves it."""
    for app in apps:
        cell = reports / name / "runs" / f"{app}@web-phone"
        cell.mkdir(parents=True)
        (cell / "observations.json").write_bytes((data / "observations" / f"{app}.json").read_bytes())
    assert cli.main(["recheck", str(reports / name)]) == cli.EXIT_OK
    return reports / name


def cell_records(sweep_dir: Path, app: str = "ganbutong") -> list[dict]:
    return json.loads((sweep_dir / "runs" / f"{app}@web-phone" / "results.json").read_text(encoding="utf-8"))


def decide(reports: Path, *args: str) -> int:
    return cli.main(["decide", "--reports", str(reports), *args])


# ── step 1: recording a decision ────────────────────────────────────────────────────────────────────────
def test_decide_appends_who_when_what_and_what_it_was_based_on(tmp_path: Path, data: Path) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    code = decide(tmp_path, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三",
                  "--note", "定位用于办事网点导航，属必要")
    assert code == cli.EXIT_OK  # SWEEP defaulted to reports/latest (recheck pointed it at this sweep)
    read = read_decisions(sweep_dir / DECISIONS)
    assert read.problems == [] and len(read.decisions) == 1
    decision = read.decisions[0]
    record = next(r for r in cell_records(sweep_dir) if r["article"] == "14(4)")
    assert (decision.sweep, decision.app, decision.device, decision.article, decision.check) == (
        FIRST, "ganbutong", "web-phone", "14(4)", "uploads")
    assert (decision.verdict, decision.by, decision.note, decision.override) == (
        "pass", "张三", "定位用于办事网点导航，属必要", False)
    assert decision.at.endswith("Z") and decision.at[:4].isdigit()
    assert decision.based_on.machine_verdict == "review"
    assert decision.based_on.evidence_digest == evidence_digest(record)
    assert decision.based_on.app_build is None  # a web app has no package
    # the lab's store in the reports folder holds it too
    assert read_decisions(tmp_path / DECISIONS).decisions == [decision]


def test_a_later_decision_replaces_an_earlier_one_without_editing_it(tmp_path: Path, data: Path) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    for verdict, by in (("pass", "张三"), ("fail", "李四")):
        assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", verdict,
                      "--by", by) == cli.EXIT_OK
    lines = (sweep_dir / DECISIONS).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["by"] for line in lines] == ["张三", "李四"]  # both kept, in order
    chosen = latest(read_decisions(sweep_dir / DECISIONS).decisions)
    assert [(d.by, d.verdict) for d in chosen.values()] == [("李四", "fail")]


def test_deciding_a_machine_verdict_needs_override_and_is_marked(tmp_path: Path, data: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, "ganbutong", "web-phone", "5", "--verdict", "pass", "--by", "张三") == cli.EXIT_USAGE
    assert "--override" in capsys.readouterr().out
    assert not (sweep_dir / DECISIONS).exists()
    assert decide(tmp_path, "ganbutong", "web-phone", "5", "--verdict", "pass", "--by", "张三",
                  "--override") == cli.EXIT_OK
    (decision,) = read_decisions(sweep_dir / DECISIONS).decisions
    assert decision.override and decision.based_on.machine_verdict == "fail"


@pytest.mark.parametrize(("args", "named"), [
    (["nope-sweep", "ganbutong", "web-phone", "14(4)"], "nope-sweep"),
    (["ganbutong-x", "web-phone", "14(4)"], "unknown app 'ganbutong-x'"),
    (["ganbutong", "android-1", "14(4)"], "unknown device 'android-1'"),
    (["ganbutong", "web-phone", "14(9)"], "unknown article '14(9)'"),
    (["ganbutong", "web-phone", "14(3)"], "article '14(3)' was not judged for ganbutong@web-phone"),
    (["web-phone", "14(4)"], "expected [SWEEP] APP DEVICE ARTICLE"),
])
def test_bad_input_names_what_and_exits_2(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str],
                                          args: list[str], named: str) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    capsys.readouterr()
    assert decide(tmp_path, *args, "--verdict", "pass", "--by", "张三") == cli.EXIT_USAGE
    assert named in " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert not (sweep_dir / DECISIONS).exists() and not (tmp_path / DECISIONS).exists()


@pytest.mark.parametrize(("args", "named"), [
    (["--verdict", "pass"], "--by"),
    (["--verdict", "maybe", "--by", "张三"], "--verdict"),
    (["--by", "张三"], "--verdict"),
])
def test_missing_reviewer_or_bad_verdict_exits_2(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str],
                                                 args: list[str], named: str) -> None:
    make_sweep(tmp_path, FIRST, data)
    with pytest.raises(SystemExit) as exited:
        decide(tmp_path, "ganbutong", "web-phone", "14(4)", *args)
    assert exited.value.code == cli.EXIT_USAGE
    assert named in capsys.readouterr().err


def test_an_empty_reviewer_name_exits_2(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "  ") == cli.EXIT_USAGE
    assert "--by" in capsys.readouterr().out


# ── the file survives a killed writer ───────────────────────────────────────────────────────────────────
KILLED_WRITER = """
import os, signal, sys
line = open(sys.argv[2], "rb").read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
os.write(fd, line[: len(line) // 2])  # the first half of a decision, then the process is killed
os.kill(os.getpid(), signal.SIGKILL)
"""


def sample_decision(tmp_path: Path, data: Path, by: str) -> Decision:
    sweep_dir = tmp_path / FIRST if (tmp_path / FIRST).exists() else make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", by) == 0
    return read_decisions(sweep_dir / DECISIONS).decisions[-1]


def test_a_line_torn_by_a_killed_writer_is_never_half_read(tmp_path: Path, data: Path) -> None:
    first = sample_decision(tmp_path, data, "张三")
    path = tmp_path / FIRST / DECISIONS
    line = tmp_path / "line.json"
    line.write_bytes((first.model_copy(update={"by": "被杀的写入者", "verdict": "fail"}).model_dump_json()
                      + "\n").encode("utf-8"))
    writer = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path), str(line)], check=False)
    assert writer.returncode == -signal.SIGKILL
    assert not path.read_bytes().endswith(b"\n")  # the torn half is on disk

    read = read_decisions(path)
    assert read.decisions == [first]  # nothing of the torn line, not even its fields
    assert len(read.problems) == 1 and "incomplete last line" in read.problems[0] and ":2:" in read.problems[0]

    # the next decision still lands on a line of its own; the torn half stays one ignored line
    after = sample_decision(tmp_path, data, "李四")
    read = read_decisions(path)
    assert [d.by for d in read.decisions] == ["张三", "李四"] and after.by == "李四"
    assert len(read.problems) == 1 and ":2: not a decision" in read.problems[0]
    assert all(d.by != "被杀的写入者" for d in read.decisions)


def test_append_is_one_write_of_a_whole_line(tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decision = sample_decision(tmp_path, data, "张三")
    writes: list[bytes] = []
    synced: list[int] = []
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, b: writes.append(bytes(b)) or real_write(fd, b))
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    target = tmp_path / "store.jsonl"
    append_decision(target, decision)
    assert len(writes) == 1 and writes[0].endswith(b"\n") and writes[0].count(b"\n") == 1
    assert Decision.model_validate_json(writes[0]) == decision and len(synced) == 1


# ── step 2: the reports use the final verdict ───────────────────────────────────────────────────────────
def sweep_record(sweep_dir: Path, article: str, app: str = "ganbutong") -> dict:
    records = json.loads((sweep_dir / "results.json").read_text(encoding="utf-8"))
    return next(r for r in records if r["app"] == app and r["article"] == article)


def junit_case(sweep_dir: Path, name: str) -> ET.Element:
    suite = ET.parse(sweep_dir / "junit.xml").getroot()
    return next(c for c in suite.findall("testcase") if c.get("name") == name)


def properties(case: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


def policy(tmp_path: Path, review_blocks: bool) -> str:
    path = tmp_path / f"policy-{review_blocks}.yaml"
    path.write_text(f'blocking: ["14(4)", "5"]\nreview_blocks: {str(review_blocks).lower()}\n', encoding="utf-8")
    return str(path)


def test_decide_changes_results_junit_gate_trend_and_index(tmp_path: Path, data: Path) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    before = sweep_record(sweep_dir, "14(4)")
    assert (before["verdict"], before["final_verdict"], before["decision"]) == ("review", "review", None)
    assert "uploads[14(4)]" in [c.get("name") for c in ET.parse(sweep_dir / "junit.xml").getroot()]
    strict = policy(tmp_path, review_blocks=True)
    blocked = cli.main(["gate", str(sweep_dir), "--policy", strict])
    assert blocked == cli.EXIT_ERRORS

    assert decide(tmp_path, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三",
                  "--note", "定位属必要") == cli.EXIT_OK
    assert decide(tmp_path, "ganbutong", "web-phone", "5", "--verdict", "pass", "--by", "李四", "--note",
                  "备案编号在关于页", "--override") == cli.EXIT_OK

    after = sweep_record(sweep_dir, "14(4)")
    assert after["verdict"] == "review" and after["final_verdict"] == "pass"  # the machine's verdict is kept
    assert {k: v for k, v in after["decision"].items() if k != "at"} == {
        "by": "张三", "verdict": "pass", "note": "定位属必要", "override": False, "carried_from": None}
    overruled = sweep_record(sweep_dir, "5")
    assert (overruled["verdict"], overruled["final_verdict"], overruled["decision"]["override"]) == (
        "fail", "pass", True)
    complaint = sweep_record(sweep_dir, "18")
    assert complaint["final_verdict"] == "fail" and complaint["decision"] is None

    case = junit_case(sweep_dir, "uploads[14(4)]")
    assert properties(case)["verdict"] == "review" and properties(case)["final_verdict"] == "pass"
    assert properties(case)["decided_by"] == "张三" and properties(case)["decision_override"] == "false"
    filing = junit_case(sweep_dir, "filing[5]")
    assert filing.find("failure") is None and properties(filing)["decision_override"] == "true"
    assert "推翻机器结论：李四" in (filing.findtext("system-out") or "")

    assert cli.main(["gate", str(sweep_dir), "--policy", strict]) == cli.EXIT_OK  # both blockers decided

    index = (sweep_dir / "index.html").read_text(encoding="utf-8")
    assert "✎张三" in index and "✎李四" in index and "人工裁定：张三" in index and "推翻机器结论：李四" in index
    assert "定位属必要" in index and "（其中人工裁定 2）" in index
    run_page = (sweep_dir / "runs" / "ganbutong@web-phone" / "index.html").read_text(encoding="utf-8")
    assert "人工裁定：张三" in run_page and "审核意见：定位属必要" in run_page

    # a reviewer changing their mind: fail now blocks even where reviews do not
    assert decide(tmp_path, "ganbutong", "web-phone", "14(4)", "--verdict", "fail", "--by", "王五") == 0
    assert junit_case(sweep_dir, "uploads[14(4)]").find("failure") is not None
    assert cli.main(["gate", str(sweep_dir), "--policy", policy(tmp_path, review_blocks=False)]) == cli.EXIT_ERRORS


def test_trend_uses_final_verdicts_and_names_who_decided(tmp_path: Path, data: Path) -> None:
    make_sweep(tmp_path, FIRST, data)
    second = make_sweep(tmp_path, SECOND, data)
    assert json.loads((second / "trend.json").read_text(encoding="utf-8"))["new_failures"] == []
    assert decide(tmp_path, SECOND, "ganbutong", "web-phone", "14(4)", "--verdict", "fail", "--by", "张三") == 0
    trend = json.loads((second / "trend.json").read_text(encoding="utf-8"))
    assert trend["new_failures"] == [{"app": "ganbutong", "device": "web-phone", "check": "uploads",
                                      "before": "review", "now": "fail", "decided_by": "张三"}]


def test_deciding_an_older_sweep_leaves_latest_alone(tmp_path: Path, data: Path) -> None:
    first = make_sweep(tmp_path, FIRST, data)
    make_sweep(tmp_path, SECOND, data)
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三") == 0
    assert (tmp_path / "latest").resolve().name == SECOND
    assert sweep_record(first, "14(4)")["final_verdict"] == "pass"
