"""Art. 14(2): no mandatory check-in, points ranking or online-time statistics.

A feature is a control, an endpoint or a heartbeat, not a word: a headline that mentions 签到 or
a 积分落户 service is no violation. Proven features fail (review in a declared 安保/应急 scene);
a control nobody saw do anything goes to review.
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


def heartbeats(flows: list[FlowRecord]) -> list[list[FlowRecord]]:
    """Groups of ≥3 requests to one endpoint at a steady period (2–300 s): something is counting time."""
    groups: dict[tuple[str, str, str], list[FlowRecord]] = defaultdict(list)
    for flow in flows:
        groups[(flow.method, flow.host, flow.path.split("?")[0])].append(flow)
    found = []
    for group in groups.values():
        if len(group) < 3:
            continue
        gaps = [b.t - a.t for a, b in itertools.pairwise(group)]
        mean = statistics.fmean(gaps)
        if 2 <= mean <= 300 and statistics.pstdev(gaps) <= 0.35 * mean:
            found.append(group)
    return found


def check(obs: Observations) -> Finding:
    flows = [f for f in obs.app_flows() if f.status is not None and f.status < 400]
    proven: dict[str, list[Evidence]] = defaultdict(list)
    controls: dict[str, list[Evidence]] = defaultdict(list)

    for visit in obs.screens:
        for node in visit.as_screen().nodes:
            feature = keywords.feature_of(node.label) if node.clickable else None
            if feature and not any(e.ref == visit.signature for e in controls[feature]):
                controls[feature].append(screen_evidence(obs, visit, f"控件「{node.label}」"))

    periodic = heartbeats(flows)
    periodic_ids = {f.id for group in periodic for f in group}
    for action in obs.actions:
        feature = keywords.feature_of(action.label) if action.kind == "tap" else None
        if not feature:
            continue
        caused = [f for f in flows if action.t - 0.5 <= f.t <= action.t + TAP_TO_REQUEST_S
                  and f.method != "GET" and f.id not in periodic_ids]
        if caused:
            flow = caused[0]
            proven[feature].append(flow_evidence(obs, flow, f"点击「{action.label}」后请求 {flow.method} {flow.path}"))

    for flow in flows:
        feature = endpoint_feature(flow)
        already = {e.ref for e in proven[feature]} if feature else set()
        if feature and flow.id not in periodic_ids and flow.id not in already and len(proven[feature]) < 3:
            proven[feature].append(flow_evidence(obs, flow, f"{feature}接口 {flow.method} {flow.path}"))

    for group in periodic:
        sample = group[0]
        if keywords.ONLINE_TIME_BODY.search(sample.path + " " + sample.request_text):
            period = (group[-1].t - group[0].t) / (len(group) - 1)
            proven["统计在线时长"].append(flow_evidence(
                obs, sample, f"心跳 {sample.method} {sample.path} 每 {period:.0f} 秒一次，共 {len(group)} 次"))

    review_only = {f: e for f, e in controls.items() if f not in proven}
    details = {"proven": sorted(proven), "controls_only": sorted(review_only)}
    if proven:
        names = "、".join(sorted(proven))
        evidence = [e for f in sorted(proven) for e in proven[f]] + [e for f in sorted(proven) for e in controls[f]]
        if obs.context:
            return Finding(verdict="review", details=details, evidence=evidence,
                           summary=f"发现{names}功能；场景声明为{'/'.join(obs.context)}，由审核人员判断是否属于例外。")
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"发现{names}功能（控件、接口或周期心跳为证），违反第十四条第（二）项。")
    if review_only:
        names = "、".join(sorted(review_only))
        return Finding(verdict="review", details=details, evidence=[e for v in review_only.values() for e in v],
                       summary=f"界面有{names}相关控件，但运行中未见其接口或心跳，请审核。")
    return Finding(verdict="pass", details=details,
                   summary=f"遍历 {len(obs.screens)} 个界面、{len(flows)} 个请求，"
                           "未发现打卡签到、积分排名或在线时长统计功能。")


CHECK = register(Check("mandatory-features", "14(2)", "不得强制打卡签到、积分排名、统计在线时长", check,
                             needs_traffic=True))
