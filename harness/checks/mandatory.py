"""Art. 14(2): no mandatory check-in, points ranking or online-time statistics.

A feature is behaviour, not a word: a control whose label names the feature (签到, 打卡, 排行榜, a short
label, not a headline) and that the walk tapped is judged by what the tap did; an endpoint of the
feature; a heartbeat that counts time; a number the app sends that grows with the clock (本次值班时长 sent
as `dur=` by a beacon: two requests suffice). Proven features fail (review in a declared 安保/应急 scene).
A feature control that was tapped and acted (a screen, a request, a location or camera read) without
proving the feature goes to review. Text alone — a headline about 排名, 签到 in a notice, 积分落户 — and
a matching control the walk never tapped never make a review: the latter are noted in details.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register, screen_evidence
from harness.evidence import keywords
from harness.observe.model import FlowRecord, Observations

ENDPOINT_FEATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("打卡签到", re.compile(r"check-?in|daily-?sign|qiandao|daka|attendance|clock-?in|/sign(in)?\b", re.I)),
    ("积分排名", re.compile(r"rank|leaderboard|paihang|jifen", re.I)),
    ("统计在线时长", re.compile(r"online|heartbeat|study|duration|zaixian", re.I)),
)
TAP_TO_REQUEST_S = 5.0
"""A request this soon after tapping a feature control is that control's doing."""


def endpoint_feature(flow: FlowRecord) -> str | None:
    for feature, pattern in ENDPOINT_FEATURES:
        if pattern.search(flow.path.split("?")[0]):
            return feature
    return None


def _by_endpoint(flows: list[FlowRecord]) -> dict[tuple[str, str, str], list[FlowRecord]]:
    groups: dict[tuple[str, str, str], list[FlowRecord]] = defaultdict(list)
    for flow in flows:
        groups[(flow.method, flow.host, flow.path.split("?")[0])].append(flow)
    return groups


def heartbeats(flows: list[FlowRecord]) -> list[list[FlowRecord]]:
    """Groups of ≥3 requests to one endpoint at a steady period (2–300 s): something is counting time."""
    found = []
    for group in _by_endpoint(flows).values():
        if len(group) < 3:
            continue
        gaps = [b.t - a.t for a, b in itertools.pairwise(group)]
        mean = statistics.fmean(gaps)
        if 2 <= mean <= 300 and statistics.pstdev(gaps) <= 0.35 * mean:
            found.append(group)
    return found


NUMBER_FIELD = re.compile(r"""([A-Za-z_][\w.-]{0,40})["']?\s*[=:]\s*["']?(\d{1,12}(?:\.\d+)?)(?![\d.])""")
"""A named number in a query, a form body or JSON: `dur=20`, `"elapsed": 20000`."""
NOT_TIME = re.compile(r"page|offset|limit|size|count|num|index|idx|cursor|from|start|lat|lng|lon|acc", re.I)
"""Names of numbers that grow between requests without counting time (pages, offsets, positions)."""
MIN_GAP_S = 2.0


def _numbers(flow: FlowRecord) -> dict[str, float]:
    found: dict[str, float] = {}
    for name, value in NUMBER_FIELD.findall(flow.request_text):
        found.setdefault(name, float(value))
    return found


def time_counter(group: list[FlowRecord], started: float) -> tuple[str, list[float]] | None:
    """A number the app sends that counts time: at most the time since the run began (it counts this session,
    not an epoch), grown from one request to the next by the time between them, in seconds or milliseconds
    (`dur=10` then `dur=20` ten seconds later). Two requests in a row are enough — a clock read out twice is no
    coincidence — and a count started again later (duty ended and begun anew) does not undo them. Returns the
    name and the two values."""
    readings = [(f.t, _numbers(f)) for f in group]
    for (t1, first), (t2, second) in itertools.pairwise(readings):
        if t2 - t1 < MIN_GAP_S:
            continue
        for name, v1 in first.items():
            v2 = second.get(name)
            if v2 is None or NOT_TIME.search(name):
                continue
            for unit in (1.0, 1000.0):
                if (v2 / unit <= t2 - started + 2
                        and abs((v2 - v1) / unit - (t2 - t1)) <= 0.25 * (t2 - t1) + 1):
                    return name, [v1, v2]
    return None


ACTING_HOOKS = ("geolocation", "geolocation-result", "camera", "file-chooser", "file-selected", "location", "media",
                "capture-intent")
"""Hook events that show a tap did something on the device (read the position, opened the camera or a picker)."""
LOOKBACK_S = 10.0
"""Actions are recorded after the app settled: what follows the previous action, up to this long before the
record, is this tap's doing."""


def _window(obs: Observations, index: int) -> tuple[float, float]:
    """From the previous action (at most LOOKBACK_S before) to TAP_TO_REQUEST_S after the record, and never
    past the next action."""
    action = obs.actions[index]
    previous = obs.actions[index - 1].t if index > 0 else obs.started
    following = obs.actions[index + 1].t if index + 1 < len(obs.actions) else action.t + TAP_TO_REQUEST_S
    return max(previous, action.t - LOOKBACK_S), min(following, action.t + TAP_TO_REQUEST_S)


def check(obs: Observations) -> Finding:
    flows = [f for f in obs.app_flows() if f.status is not None and f.status < 400]
    proven: dict[str, list[Evidence]] = defaultdict(list)
    acted: dict[str, list[Evidence]] = defaultdict(list)
    controls: dict[str, list[str]] = defaultdict(list)
    by_signature = {v.signature: v for v in obs.screens}

    for visit in obs.screens:
        for node in visit.as_screen().nodes:
            feature = keywords.feature_control(node.label) if node.clickable else None
            if feature and node.label not in controls[feature]:
                controls[feature].append(node.label)

    periodic = heartbeats(flows)
    periodic_ids = {f.id for group in periodic for f in group}
    tapped: dict[str, set[str]] = defaultdict(set)
    idle: dict[str, set[str]] = defaultdict(set)
    # The file chooser the walk itself answered (its canary photo in a form's field) is no tap's doing.
    own_files = [(obs.actions[i - 1].t if i else obs.started, a.t)
                 for i, a in enumerate(obs.actions) if a.kind == "file"]
    hook_events = [e for e in obs.hook_events if e.kind in ACTING_HOOKS and not (
        e.kind in ("file-chooser", "file-selected") and any(start < e.t <= end for start, end in own_files))]
    for index, action in enumerate(obs.actions):
        feature = keywords.feature_control(action.label) if action.kind == "tap" else None
        if not feature:
            continue
        tapped[feature].add(action.label)
        start, end = _window(obs, index)
        caused = [f for f in flows if start <= f.t <= end and f.id not in periodic_ids]
        posted = [f for f in caused if f.method != "GET"]
        if posted:
            flow = posted[0]
            proven[feature].append(flow_evidence(obs, flow, f"点击「{action.label}」后请求 {flow.method} {flow.path}"))
            continue
        hooks = [e for e in hook_events if start <= e.t <= end]
        opened = action.after and action.after != action.before and action.after in by_signature
        if caused:
            acted[feature].append(flow_evidence(obs, caused[0], f"点击「{action.label}」后请求 "
                                                                f"{caused[0].method} {caused[0].path}"))
        elif hooks:
            acted[feature].append(Evidence(kind="hook", t=obs.video_t(hooks[0].t or action.t),
                                           note=f"点击「{action.label}」后 {hooks[0].kind}"))
        elif opened:
            acted[feature].append(screen_evidence(obs, by_signature[action.after],
                                                  f"点击「{action.label}」后打开的界面"))
        else:
            idle[feature].add(action.label)

    for flow in flows:
        feature = endpoint_feature(flow)
        already = {e.ref for e in proven[feature]} if feature else set()
        if feature and flow.id not in periodic_ids and flow.id not in already and len(proven[feature]) < 3:
            proven[feature].append(flow_evidence(obs, flow, f"{feature}接口 {flow.method} {flow.path}"))

    counted: set[str] = set()
    for group in _by_endpoint(flows).values():
        if (counter := time_counter(group, obs.started)) is not None:
            name, values = counter
            counted |= {f.id for f in group}
            shown = "→".join(f"{v:g}" for v in values[:4])
            proven["统计在线时长"].append(flow_evidence(
                obs, group[0], f"{group[0].method} {group[0].path.split('?')[0]} 的参数 {name} 随时间递增（{shown}），"
                               f"与请求间隔一致：在计时"))
    for group in periodic:
        sample = group[0]
        if sample.id in counted:
            continue
        if keywords.ONLINE_TIME_BODY.search(sample.path + " " + sample.request_text):
            period = (group[-1].t - group[0].t) / (len(group) - 1)
            proven["统计在线时长"].append(flow_evidence(
                obs, sample, f"心跳 {sample.method} {sample.path} 每 {period:.0f} 秒一次，共 {len(group)} 次"))

    to_review = {f: e for f, e in acted.items() if f not in proven}
    untapped = {f: sorted(set(labels) - tapped[f]) for f, labels in controls.items() if set(labels) - tapped[f]}
    details = {"proven": sorted(proven), "acted_only": sorted(to_review), "controls_untapped": untapped,
               "controls_only": sorted(f for f in controls if f not in proven),  # kept for readers of older sweeps
               "tapped_without_effect": {f: sorted(labels) for f, labels in idle.items()}}
    if proven:
        names = "、".join(sorted(proven))
        evidence = [e for f in sorted(proven) for e in proven[f]] + [e for f in sorted(proven) for e in acted[f]]
        if obs.context:
            return Finding(verdict="review", details=details, evidence=evidence,
                           summary=f"发现{names}功能；场景声明为{'/'.join(obs.context)}，由审核人员判断是否属于例外。")
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"发现{names}功能（控件、接口或周期心跳为证），违反第十四条第（二）项。")
    if to_review:
        names = "、".join(sorted(to_review))
        return Finding(verdict="review", details=details, evidence=[e for v in to_review.values() for e in v],
                       summary=f"点击{names}相关控件后应用有响应（界面、请求或设备调用），但未见提交签到、排名接口或"
                               "计时心跳，请审核是否为强制功能。")
    note = ""
    if untapped:
        labels = "、".join(label for v in untapped.values() for label in v)
        note = f"；界面另有未点击的相关控件（{labels}），仅作记录"
    return Finding(verdict="pass", details=details,
                   summary=f"遍历 {len(obs.screens)} 个界面、{len(flows)} 个请求，"
                           f"未发现打卡签到、积分排名或在线时长统计功能{note}。")


CHECK = register(Check("mandatory-features", "14(2)", "不得强制打卡签到、积分排名、统计在线时长", check,
                             needs_traffic=True))
