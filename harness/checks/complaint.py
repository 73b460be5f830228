"""Art. 18: a complaint feature with online acceptance, tracking and evaluation.

The explorer reaches a complaint entry however deep, fills the form with this run's canary text
and submits it once. Acceptance: the submission left the app and was answered with success.
Tracking: after that, a screen shows the canary text or the acceptance number (我的反馈 / 办理进度 /
留言查询). Evaluation: a rating control (满意度评价 / 好差评) on a complaint screen. Pass only when
all three are shown; otherwise say which is missing. When the proxy's submission guard answered
the complaint (real submission not allowed), tracking cannot be proven: review. When the run could
not prove its traffic goes through the capture proxy, the form is found but never filled: review,
saying why.
"""

from __future__ import annotations

import re

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register, screen_evidence
from harness.evidence import keywords
from harness.observe.model import Observations, ScreenVisit

ENTRY_ROLES = ("button", "link", "tab")
"""An entry is something to tap; a select whose options say 投诉 is not one."""
ACCEPTANCE_NUMBER = re.compile(r"(?:受理编号|受理号|编号|查询码)\s*[:：]?\s*([A-Za-z0-9-]{6,})")
ACCEPTED_WORDS = ("提交成功", "已受理", "受理编号", "感谢您的", "已收到")


def _text(visit: ScreenVisit) -> str:
    screen = visit.as_screen()
    return " ".join([*screen.texts, *(n.label for n in screen.nodes)])


def check(obs: Observations) -> Finding:
    by_signature = {v.signature: v for v in obs.screens}
    entries: list[Evidence] = []
    for action in obs.actions:
        if action.kind == "tap" and action.role in ENTRY_ROLES and keywords.matches(action.label,
                                                                                  keywords.COMPLAINT_ENTRY):
            before = by_signature.get(action.before)
            if before:
                entries.append(screen_evidence(obs, before, f"入口「{action.label}」"))
    submit = next((a for a in obs.actions if a.kind == "submit"), None)
    flows = obs.app_flows()
    sent = [f for f in flows if f.submission in ("guarded", "forwarded")]
    if not sent and submit:  # nothing recognisably carried the canary: what the guard held after the tap
        sent = [f for f in flows if f.submission == "held" and f.t >= submit.t - 0.5]
    accepted_flows = [f for f in sent if f.status is not None and 200 <= f.status < 300]
    after_submit = [v for v in obs.screens if submit and v.t >= submit.t - 0.5]
    numbers = {m.group(1) for v in after_submit if (m := ACCEPTANCE_NUMBER.search(_text(v)))}
    confirmed = [v for v in after_submit if keywords.matches(_text(v), ACCEPTED_WORDS)]
    markers = ({obs.canary_text} if obs.canary_text else set()) | numbers
    tracked = [v for v in after_submit if v.signature != (submit.after if submit else "")
               and any(m in _text(v) for m in markers)
               and keywords.matches(_text(v), keywords.COMPLAINT_TRACKING)]
    about = [v for v in obs.screens
             if keywords.matches(_text(v), keywords.COMPLAINT_ENTRY + keywords.COMPLAINT_TRACKING)]
    rating = [(v, w) for v in obs.screens if (w := keywords.matches(_text(v), keywords.COMPLAINT_RATING))]
    rating += [(v, w) for v in about if (w := keywords.matches(_text(v), keywords.RATING_LEVELS))]
    guarded = any(f.submission in ("guarded", "held") for f in sent)
    parts = {"在线受理": bool(accepted_flows), "跟踪反馈": bool(tracked), "回访评价": bool(rating)}
    details = {"entry": bool(entries), **parts, "submitted": submit is not None, "guarded": guarded,
               "acceptance_numbers": sorted(numbers), "canary_text": obs.canary_text,
               "withheld": obs.complaint_withheld}
    evidence = entries[:2] + [flow_evidence(obs, f, f"提交测试诉求 {f.method} {f.path}，HTTP {f.status}"
                                            + ("（代理本地应答）" if f.submission != "forwarded" else ""))
                              for f in sent[:2]]
    evidence += [screen_evidence(obs, v, "受理确认") for v in confirmed[:1]]
    evidence += [screen_evidence(obs, v, "跟踪页面显示本次测试诉求") for v in tracked[:2]]
    evidence += [screen_evidence(obs, v, "评价：" + "、".join(w)) for v, w in rating[:2]]
    if obs.complaint_withheld:
        form = next((by_signature[a.before] for a in obs.actions
                     if a.kind == "complaint-withheld" and a.before in by_signature), None)
        evidence += [screen_evidence(obs, form, "投诉表单（未填写、未提交）")] if form else []
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary=f"找到投诉表单，但未提交测试诉求：{obs.complaint_withheld}。"
                               "在线受理、跟踪反馈、回访评价需人工核验。")
    if not entries:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"遍历 {len(obs.screens)} 个界面未找到投诉建议入口"
                               "（投诉建议、意见反馈、我要投诉、留言、12345…）。")
    missing = [name for name, shown in parts.items() if not shown]
    if not missing:
        number = f"（受理编号 {sorted(numbers)[0]}）" if numbers else ""
        return Finding(verdict="pass", details=details, evidence=evidence,
                       summary=f"测试诉求已提交并受理{number}，跟踪页面可查到该诉求，提供满意度评价。")
    if guarded and missing == ["跟踪反馈"]:
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary="测试诉求由代理在本地应答（未送达真实系统），跟踪反馈无法验证；受理与评价已见，请审核。")
    why = "" if submit else "（未找到可提交的投诉表单）"
    return Finding(verdict="fail", details=details, evidence=evidence,
                   summary=f"找到投诉建议入口，但缺少：{'、'.join(missing)}{why}。")


CHECK = register(Check("complaint", "18", "投诉建议：在线受理、跟踪反馈、回访评价", check, needs_traffic=True))
