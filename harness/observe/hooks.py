"""Hook events the web device's injected script reports, as the sink accepts them: a typed HookEvent, the signed
report around them, the caps, and the sink's tally of what it dropped.

The app's page can post to the sink too (it is just a URL), so a report counts only when it carries the run's
secret, each event is type-checked and sized, and a run keeps at most MAX_EVENTS; anything else is dropped and
counted (a problem line in observations), never an error of the cell."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, field_validator, model_validator

MAX_EVENTS = 5000
"""Hook events one run keeps; later ones are counted, not kept."""
MAX_REPORT_BYTES = 256 << 10
"""One report (a batch of events) as posted; the script flushes every 150 ms, far below this."""
MAX_DETAIL_BYTES = 4096
"""An event's detail, as JSON."""
SECRET_PLACEHOLDER = "__FINGERTIP_HOOK_SECRET__"
STATS_FILE = "hook_sink.json"

DETAIL_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "long-task": {"duration_ms": (int, float)},
    "js-error": {"message": (str,), "source": (str,), "line": (int,)},
    "geolocation-result": {"latitude": (int, float), "longitude": (int, float), "accuracy": (int, float)},
}
"""Detail fields the checks compute with, and the types they must have (bool is not a number here)."""


class HookEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
    t: StrictFloat | StrictInt
    """Epoch seconds on the page's clock."""
    page: Annotated[StrictStr, Field(max_length=2048)] = ""
    stack: Annotated[list[Annotated[StrictStr, Field(max_length=512)]], Field(max_length=16)] = Field(
        default_factory=list)
    detail: dict[str, Any] | None = None

    @field_validator("t")
    @classmethod
    def _plausible_time(cls, value: float) -> float:
        if not math.isfinite(value) or not 0 <= value < 1e11:
            raise ValueError("t is not epoch seconds")
        return value

    @model_validator(mode="after")
    def _detail_fits(self) -> HookEvent:
        if self.detail is None:
            return self
        if len(json.dumps(self.detail, ensure_ascii=False)) > MAX_DETAIL_BYTES:
            raise ValueError(f"detail larger than {MAX_DETAIL_BYTES} bytes")
        for key, types in DETAIL_TYPES.get(self.kind, {}).items():
            value = self.detail.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, types)):
                raise ValueError(f"detail.{key} has the wrong type")
        return self


class HookReport(BaseModel):
    """What the script posts: the run's secret and a batch of events (each checked on its own)."""

    model_config = ConfigDict(extra="forbid")

    k: StrictStr
    events: Annotated[list[Any], Field(max_length=MAX_EVENTS)]


class SinkStats(BaseModel):
    """What the sink accepted and dropped in one run."""

    accepted: int = 0
    unsigned: int = 0
    """Reports without the run's secret (or with another one)."""
    malformed_reports: int = 0
    """Reports that were not a signed JSON batch, or too large, or encoded."""
    malformed_events: int = 0
    over_cap: int = 0
    """Valid events past MAX_EVENTS."""

    def dropped(self) -> bool:
        return bool(self.unsigned or self.malformed_reports or self.malformed_events or self.over_cap)

    def problem(self) -> str:
        """The observations' problem line (Chinese, for the report)."""
        parts = [f"{n} 份{what}" for n, what in ((self.unsigned, "无本次运行密钥的上报"),
                                                 (self.malformed_reports, "格式不符或超过大小上限的上报"))
                 if n]
        parts += [f"{n} 条{what}" for n, what in ((self.malformed_events, "格式不符的事件"),
                                                  (self.over_cap, f"超出每次运行 {MAX_EVENTS} 条上限的事件")) if n]
        return "钩子事件接收端已丢弃（未计入观测）：" + "，".join(parts)


def stats_path(events_path: Path) -> Path:
    return events_path.with_name(STATS_FILE)


def read_stats(events_path: Path) -> SinkStats | None:
    try:
        return SinkStats.model_validate_json(stats_path(events_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
