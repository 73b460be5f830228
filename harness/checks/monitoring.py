"""Art. 17 monitoring ("17"): crashes, freezes, launch time and memory during the run.

Fail on a crash or a freeze (the app stopped answering, the device's logs show a crash or an ANR,
or its main thread stalled for FREEZE_MS), or on one uncaught script error that keeps coming back (a timer
throwing every second: the app is broken while it runs, not once); review on other uncaught script errors
or a slow launch; the figures go to details either way.
"""

from __future__ import annotations

from harness.checks.base import Check, Evidence, Finding, register
from harness.observe.model import Observations

FREEZE_MS = 5000
"""A main-thread stall this long is a freeze (Android's ANR threshold for input is 5 s)."""
SLOW_LAUNCH_MS = 5000
RECURRING_ERRORS = 5
RECURRING_SPAN_S = 5.0
"""The same uncaught error this often over this long is the app failing as it runs."""


def _hook_evidence(obs: Observations, index: int, note: str) -> Evidence:
    event = obs.hook_events[index]
    return Evidence(kind="hook", ref=str(index), t=obs.video_t(event.t or obs.started), note=note)


def _duration_ms(obs: Observations, index: int) -> float:
    value = obs.hook_events[index].detail.get("duration_ms", 0)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _recurring(obs: Observations, errors: list[int]) -> list[tuple[str, int]]:
    """Uncaught errors that came back RECURRING_ERRORS times or more over RECURRING_SPAN_S: message, count."""
    times: dict[str, list[float]] = {}
    for i in errors:
        event = obs.hook_events[i]
        times.setdefault(str(event.detail.get("message", ""))[:200], []).append(event.t or 0.0)
    return [(message, len(ts)) for message, ts in times.items()
            if len(ts) >= RECURRING_ERRORS and max(ts) - min(ts) >= RECURRING_SPAN_S]


def check(obs: Observations) -> Finding:
    errors = [i for i, e in enumerate(obs.hook_events) if e.kind == "js-error"]
    recurring = _recurring(obs, errors)
    stalls = [i for i, e in enumerate(obs.hook_events) if e.kind == "long-task"]
    freezes = [i for i in stalls if _duration_ms(obs, i) >= FREEZE_MS]
    longest = max((_duration_ms(obs, i) for i in stalls), default=0)
    logged = [c for c in obs.crashes if c.kind in ("crash", "native-crash")]
    anrs = [c for c in obs.crashes if c.kind == "anr"]
    details = {"crashed": obs.alive_at_end is False or bool(logged), "anrs": len(anrs), "freezes": len(freezes),
               "script_errors": len(errors), "recurring_errors": len(recurring),
               "longest_stall_ms": longest, "launch_ms": obs.launch_ms, **obs.metrics}
    evidence = [_hook_evidence(obs, i, f"主线程阻塞 {_duration_ms(obs, i):.0f} ms")
                for i in freezes[:3]]
    evidence += [_hook_evidence(obs, i, f"脚本错误：{str(obs.hook_events[i].detail.get('message', ''))[:120]}")
                 for i in errors[:3]]
    evidence += [Evidence(kind="crash", t=obs.video_t(c.t) if c.t else None,
                          note=f"{c.process}: {c.summary}"[:300]) for c in (logged + anrs)[:3]]
    figures = []
    if obs.launch_ms is not None:
        figures.append(f"启动 {obs.launch_ms:.0f} ms")
    if "memory_mb" in obs.metrics:
        figures.append(f"内存 {obs.metrics['memory_mb']:.1f} MB")
    figures_text = "，".join(figures)
    if obs.alive_at_end is False or freezes or logged or anrs or recurring:
        what = "；".join(part for part in (
            "应用崩溃或失去响应" if obs.alive_at_end is False else "",
            f"设备日志记录崩溃 {len(logged)} 次" if logged else "",
            f"ANR {len(anrs)} 次" if anrs else "",
            f"主线程卡顿 {len(freezes)} 次（≥{FREEZE_MS} ms）" if freezes else "",
            "运行中反复出现同一脚本错误：" + "；".join(f"「{m[:60]}」{n} 次" for m, n in recurring[:2])
            if recurring else "") if part)
        return Finding(verdict="fail", details=details, evidence=evidence, summary=f"{what}。{figures_text}")
    slow = obs.launch_ms is not None and obs.launch_ms > SLOW_LAUNCH_MS
    if errors or slow:
        notes = ([f"未捕获的脚本错误 {len(errors)} 个"] if errors else []) + (["启动偏慢"] if slow else [])
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary="；".join(notes) + f"。{figures_text}")
    return Finding(verdict="pass", details=details, evidence=evidence,
                   summary=f"运行期间无崩溃、无卡顿、无脚本错误。{figures_text}")


CHECK = register(Check("monitoring", "17", "运行监测：稳定可靠运行", check))
