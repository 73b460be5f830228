"""CI gating for 验收: a policy maps articles to blocking / advisory; the gate says which results block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from harness.checks.base import ARTICLES
from harness.config.yamlsrc import load_yaml, validate
from harness.reports.decisions import final_verdict


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    blocking: tuple[str, ...] = ("5", "14(2)", "16-compat", "17", "18")
    advisory: tuple[str, ...] = ()
    review_blocks: bool = False
    error_blocks: bool = True

    @field_validator("blocking", "advisory")
    @classmethod
    def _known_articles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [a for a in value if a not in ARTICLES]
        if unknown:
            raise ValueError(f"unknown article code(s) {unknown}; known: {', '.join(ARTICLES)}")
        return value


def load_policy(path: Path) -> Policy:
    data, lines = load_yaml(path)
    return validate(Policy, data or {}, path, lines)


def blockers(records: list[dict[str, Any]], policy: Policy) -> list[dict[str, Any]]:
    """The results that block acceptance under `policy`, by their final verdict: a reviewer's decision (or
    override) settles a `review` or overrules the machine."""
    blocking_verdicts = {"fail"} | ({"review"} if policy.review_blocks else set()) | (
        {"error"} if policy.error_blocks else set())
    return [r for r in records if r["article"] in policy.blocking and final_verdict(r) in blocking_verdicts]

