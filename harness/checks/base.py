"""The Finding every check returns, and the registry of checks by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from harness.observe.model import FlowRecord, Observations, ScreenVisit

Verdict = Literal["pass", "fail", "review", "error", "skip"]
ARTICLES = ("5", "14(2)", "14(3)", "14(4)", "16-compat", "16-ipv6", "17", "18")
"""The stable article codes of the output contract."""
ARTICLE_LABEL = {"5": "第五条", "14(2)": "第十四条(二)", "14(3)": "第十四条(三)", "14(4)": "第十四条(四)",
                 "16-compat": "第十六条·兼容", "16-ipv6": "第十六条·IPv6", "17": "第十七条", "18": "第十八条"}
"""How reviewers read the codes (reports only; the codes themselves never change)."""


class Evidence(BaseModel):
    kind: str
    """flow · screen · action · hook · video · refusal · crash · dns."""
    ref: str | None = None
    """A flow id, a screen signature, a hook event index."""
    path: str | None = None
    """A file relative to the run folder (screenshot, video)."""
    t: float | None = None
    """Seconds into the run's video."""
    note: str = ""


class Finding(BaseModel):
    verdict: Verdict
    summary: str
    evidence: list[Evidence] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str
    article: str
    title: str
    run: Callable[[Observations], Finding]
    platforms: tuple[str, ...] = ("web", "android", "harmony")
    needs_traffic: bool = False
    """Judged from the app's traffic: a run whose traffic bypassed the capture proxy cannot pass or fail it."""


def flow_evidence(obs: Observations, flow: FlowRecord, note: str = "") -> Evidence:
    return Evidence(kind="flow", ref=flow.id, t=obs.video_t(flow.t), note=note or f"{flow.method} {flow.url}")


def screen_evidence(obs: Observations, visit: ScreenVisit, note: str = "") -> Evidence:
    return Evidence(kind="screen", ref=visit.signature, path=visit.screenshot, t=obs.video_t(visit.t), note=note)


CHECKS: dict[str, Check] = {}


def register(check: Check) -> Check:
    if check.article not in ARTICLES:
        raise ValueError(f"{check.name}: unknown article code {check.article!r}")
    CHECKS[check.name] = check
    return check
