"""The output contract document (reports/README.md) and the models that write results.json say the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.reports.record import ResultRecord, RunFacts, checked

CONTRACT = Path(__file__).resolve().parents[2] / "reports" / "README.md"


def documented_rows() -> dict[str, str]:
    """The results.json entry table: each row's field names (first column) → its meaning."""
    text = CONTRACT.read_text(encoding="utf-8")
    table = text.split("A `results.json` entry:", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        first, meaning = line.strip("|").split("|", 1)
        for name in re.findall(r"`([a-z_]+)`", first):
            rows[name] = meaning
    return rows


def test_every_documented_field_is_in_the_model_and_every_model_field_documented() -> None:
    assert set(documented_rows()) == set(ResultRecord.model_fields)


def test_every_run_fact_is_documented() -> None:
    run_meaning = documented_rows()["run"]
    documented = set(re.findall(r"`([a-z_]+)`", run_meaning))
    assert set(RunFacts.model_fields) <= documented, set(RunFacts.model_fields) - documented


def test_the_recorded_sweep_entries_fit_the_model() -> None:
    record = {"app": "a", "app_name": "A", "device": "web-1", "platform": "web", "check": "filing", "article": "5",
              "title": "t", "verdict": "pass", "summary": "s", "evidence": [{"kind": "screen", "t": 1.5}],
              "details": {}, "run": {"dir": "runs/a@web-1", "video": None}}
    assert checked(record) == record  # what a cell without a run writes comes back unchanged
    with pytest.raises(ValueError, match="verdict"):
        checked({**record, "verdict": "passed"})
    with pytest.raises(ValueError, match="run"):
        checked({k: v for k, v in record.items() if k != "run"})
