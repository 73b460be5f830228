"""Reviewers decide: `fingertip decide`, the append-only decisions file, and what the reports make of it.

Sweeps are built from recorded observations (tests/data/observations) with `fingertip recheck`: no device,
no browser. ganbutong@web-phone judges 14(4) `review` and 5 `fail`; ebantong passes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

    def write(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
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


# ── step 3: carried to the next sweep of the same build with the same evidence ──────────────────────────
def edit_cell(sweep_dir: Path, change: Callable[[dict], None], article: str | None = None) -> None:
    """A cell as a later run could have judged it (change: applied to the record(s)); then the reports again."""
    path = sweep_dir / "runs" / "ganbutong@web-phone" / "results.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    for record in records:
        if article is None or record["article"] == article:
            change(record)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["report", str(sweep_dir)]) == cli.EXIT_OK


def build(version: str, sha: str) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        record["run"]["package"] = {"name": "gov.ganbutong", "version": version, "sha256": sha * 64}
    return change


def test_a_decision_is_carried_to_a_rerun_with_the_same_evidence(tmp_path: Path, data: Path) -> None:
    make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三",
                  "--note", "定位属必要") == 0
    second = make_sweep(tmp_path, SECOND, data)  # the same app walked again: the sweep's reports at its end
    carried = sweep_record(second, "14(4)")
    assert carried["verdict"] == "review" and carried["final_verdict"] == "pass"
    assert carried["decision"]["by"] == "张三" and carried["decision"]["carried_from"] == FIRST
    assert carried["decision"]["note"] == "定位属必要" and carried["decision"]["override"] is False
    assert not (second / DECISIONS).exists()  # carried, not decided again: the sweep's own file stays empty
    assert properties(junit_case(second, "uploads[14(4)]"))["carried_from"] == FIRST
    index = (second / "index.html").read_text(encoding="utf-8")
    assert f"沿用扫描 {FIRST}" in index and f'href="../{FIRST}/index.html"' in index
    assert cli.main(["gate", str(second), "--policy", policy(tmp_path, review_blocks=True)]) == cli.EXIT_ERRORS
    # (5 still fails on the machine: only the reviewed article was decided)
    assert sweep_record(second, "5")["decision"] is None

    # a run's own noise (video times, flow ids) is not a change of evidence
    def noise(record: dict) -> None:
        for item in record["evidence"]:
            item["t"] = item.get("t", 0) + 3.0
            if item["kind"] == "flow":
                item["ref"] = "00000000-0000-4000-8000-" + item["ref"][-12:]
    edit_cell(second, noise, "14(4)")
    assert sweep_record(second, "14(4)")["decision"]["carried_from"] == FIRST


def test_changed_evidence_asks_again(tmp_path: Path, data: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三") == 0
    second = make_sweep(tmp_path, SECOND, data)

    def another_upload(record: dict) -> None:
        record["evidence"].append({"kind": "flow", "ref": "x", "t": 9.0, "note": "上传金丝雀位置 POST /api/track"})
        record["details"]["location_uploads"] += 1
    edit_cell(second, another_upload, "14(4)")
    record = sweep_record(second, "14(4)")
    assert (record["decision"], record["final_verdict"]) == (None, "review")
    assert junit_case(second, "uploads[14(4)]").find("failure") is None
    assert "decided_by" not in properties(junit_case(second, "uploads[14(4)]"))


def test_a_new_build_asks_again_and_the_same_build_carries(tmp_path: Path, data: Path) -> None:
    first = make_sweep(tmp_path, FIRST, data)
    edit_cell(first, build("2.3.0 (230)", "a"))
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "fail", "--by", "张三") == 0
    (decision,) = read_decisions(first / DECISIONS).decisions
    assert decision.based_on.app_build is not None
    assert (decision.based_on.app_build.version, decision.based_on.app_build.sha256) == ("2.3.0 (230)", "a" * 64)

    second = make_sweep(tmp_path, SECOND, data)
    edit_cell(second, build("2.4.0 (240)", "b"))  # same evidence, new version
    assert sweep_record(second, "14(4)")["decision"] is None

    third = make_sweep(tmp_path, THIRD, data)
    edit_cell(third, build("2.3.0 (230)", "c"))  # same version name, rebuilt package
    assert sweep_record(third, "14(4)")["decision"] is None
    edit_cell(third, build("2.3.0 (230)", "a"))  # the very build decided on
    record = sweep_record(third, "14(4)")
    assert record["decision"]["carried_from"] == FIRST and record["final_verdict"] == "fail"


def test_a_decision_made_on_other_evidence_of_the_same_sweep_is_not_applied(tmp_path: Path, data: Path) -> None:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    assert decide(tmp_path, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三") == 0
    edit_cell(sweep_dir, lambda r: r.update(summary=r["summary"] + "（复核后）"), "14(4)")  # e.g. a recheck
    assert sweep_record(sweep_dir, "14(4)")["final_verdict"] == "review"


def test_digest_ignores_only_what_names_the_run() -> None:
    record: dict[str, Any] = {
        "summary": "位置上传 3 次", "details": {"location_uploads": 3, "canary_text": "金丝雀ab12"},
        "evidence": [{"kind": "flow", "ref": "uuid-1", "t": 2.0, "note": "POST /api/checkin 金丝雀ab12"},
                     {"kind": "screen", "ref": "sig-1", "t": 3.0}]}
    rerun: dict[str, Any] = {
        "summary": "位置上传 3 次", "details": {"location_uploads": 3, "canary_text": "金丝雀cd34"},
        "evidence": [{"kind": "flow", "ref": "uuid-2", "t": 2.5, "note": "POST /api/checkin 金丝雀cd34"},
                     {"kind": "screen", "ref": "sig-1", "t": 3.4}]}
    assert evidence_digest(record) == evidence_digest(rerun)
    for changed in ({**rerun, "summary": "位置上传 4 次"},
                    {**rerun, "details": {"location_uploads": 4, "canary_text": "x"}},
                    {**rerun, "evidence": [rerun["evidence"][0], {"kind": "screen", "ref": "sig-2", "t": 3.4}]},
                    {**rerun, "evidence": [{**rerun["evidence"][0], "note": "POST /api/track"}, rerun["evidence"][1]]}):
        assert evidence_digest(changed) != evidence_digest(record)


def test_decisions_travel_between_machines(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    make_sweep(here, FIRST, data)
    assert decide(here, FIRST, "ganbutong", "web-phone", "14(4)", "--verdict", "pass", "--by", "张三") == 0
    exported = tmp_path / "lab-decisions.jsonl"
    assert cli.main(["decisions", "export", "--reports", str(here), "--out", str(exported)]) == cli.EXIT_OK
    assert [d.by for d in read_decisions(exported).decisions] == ["张三"]

    second = make_sweep(there, SECOND, data)  # another machine: nothing to carry yet
    assert sweep_record(second, "14(4)")["decision"] is None
    assert cli.main(["decisions", "import", str(exported), "--reports", str(there)]) == cli.EXIT_OK
    assert cli.main(["decisions", "import", str(exported), "--reports", str(there)]) == cli.EXIT_OK  # idempotent
    assert len(read_decisions(there / DECISIONS).decisions) == 1
    assert cli.main(["report", str(second)]) == cli.EXIT_OK
    assert sweep_record(second, "14(4)")["decision"]["carried_from"] == FIRST

    capsys.readouterr()
    assert cli.main(["decisions", "export", "--reports", str(there)]) == cli.EXIT_OK
    assert [json.loads(line)["sweep"] for line in capsys.readouterr().out.splitlines()] == [FIRST]


def test_import_refuses_a_torn_or_foreign_file_whole(tmp_path: Path, data: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    decision = sample_decision(tmp_path, data, "张三")
    store = tmp_path / "lab"
    torn = tmp_path / "torn.jsonl"
    whole = decision.model_copy(update={"by": "李四"}).model_dump_json() + "\n"
    torn.write_text(whole + whole[: len(whole) // 2], encoding="utf-8")
    assert cli.main(["decisions", "import", str(torn), "--reports", str(store)]) == cli.EXIT_USAGE
    assert "torn.jsonl:2" in capsys.readouterr().out and not (store / DECISIONS).exists()
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"sweep": "x", "verdict": "pass"}\n', encoding="utf-8")
    assert cli.main(["decisions", "import", str(foreign), "--reports", str(store)]) == cli.EXIT_USAGE
    assert "foreign.jsonl:1" in capsys.readouterr().out
    assert cli.main(["decisions", "import", str(tmp_path / "nope.jsonl"), "--reports", str(store)]) == 2


def test_a_run_records_the_package_it_installs(tmp_path: Path) -> None:
    from harness.config.scenario import load_scenarios
    from harness.run import package_build
    from tests.fakes.hap_build import HapSpec, build_hap

    hap = build_hap(HapSpec(), tmp_path)
    (tmp_path / "app.yaml").write_text(
        f"id: hm\nname: 鸿蒙应用\nplatform: harmony\nentry: {hap.name}\nhosts:\n  api.hm.test: [127.0.0.1]\n",
        encoding="utf-8")
    (scenario,) = load_scenarios([tmp_path / "app.yaml"])
    found = package_build(scenario)
    assert found is not None
    assert found.name == "com.fingertip.harmony" and found.sha256 == hashlib.sha256(hap.read_bytes()).hexdigest()
    hap.write_bytes(hap.read_bytes() + b"\0")  # another build of the file: hashed again
    assert package_build(scenario).sha256 == hashlib.sha256(hap.read_bytes()).hexdigest()  # type: ignore[union-attr]
