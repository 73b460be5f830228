"""The results.json entry: one per app × device × check. The output contract CI systems read, so fields are
only ever added (reports/README.md documents each; a test keeps the two in step)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.checks.base import Verdict
from harness.observe.model import PackageBuild


class EvidenceRef(BaseModel):
    kind: str
    """flow · screen · action · hook · video · refusal · crash."""
    ref: str | None = None
    path: str | None = None
    """Relative to the sweep folder."""
    t: float | None = None
    """Seconds into the run's video."""
    note: str | None = None


class GraphEdge(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    action: str
    label: str
    to: str


class UiGraphFacts(BaseModel):
    screens: int
    dot: str
    edges: list[GraphEdge] = Field(default_factory=list)


class RunFacts(BaseModel):
    """The run behind a record: the same for every check of a cell. A cell that produced no observations has
    only `dir` and `video`."""

    id: str | None = None
    dir: str
    video: str | None = None
    started: float | None = None
    ended: float | None = None
    launch_ms: float | None = None
    device_info: dict[str, Any] | None = None
    flows: int | None = None
    capture: bool | None = None
    screens: int | None = None
    hook_events: int | None = None
    refused_egress: dict[str, int] | None = None
    problems: list[str] | None = None
    ui_graph: UiGraphFacts | None = None
    retried: int | None = None
    """Present when the cell ran again after a device fault."""
    ran_on: str | None = None
    """Present when an equivalent device ran the cell because its own kept failing."""
    host: str | None = None
    """Present in a multi-host sweep: the worker host whose device ran the cell."""
    store: str | None = None
    """Present when a multi-host sweep wrote the run folder to a shared store (`--store`): its URL, credentials
    masked (`dir` then holds only the cell's results.json)."""
    package: PackageBuild | None = None
    """Present when the run recorded the package it installed."""


class DecisionFacts(BaseModel):
    """A reviewer's decision on a record (harness/reports/decisions.py)."""

    by: str
    at: str
    verdict: Literal["pass", "fail"]
    note: str
    override: bool
    """The machine verdict was not `review`: the reviewer overruled it."""
    carried_from: str | None = None
    """The earlier sweep the decision was made in, when carried to this one (same build and evidence)."""


class ResultRecord(BaseModel):
    app: str
    app_name: str
    device: str
    platform: str
    check: str
    article: str
    title: str
    verdict: Verdict
    summary: str
    evidence: list[EvidenceRef] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    run: RunFacts
    decision: DecisionFacts | None = None
    """Sweep-level results.json only (the per-run files hold the machine's records)."""
    final_verdict: Verdict | None = None
    """The decision's verdict, else `verdict`: what JUnit, the gate, the trend and the index use."""

    def to_json(self) -> dict[str, Any]:
        """The entry as results.json holds it: only what was set (a cell without a run has no run facts)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def checked(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the contract allows it, or a ValueError naming the field that is not."""
    return ResultRecord.model_validate(record).to_json()
