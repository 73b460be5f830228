"""Art. 18: a complaint feature with online acceptance, tracking and evaluation.

The explorer must reach a complaint entry that opens a form (acceptance), a place to follow a
complaint (我的反馈 / 办理进度 / 受理编号) and a rating control (满意度评价 / 好差评). This check
reads what the walk saw; it does not yet file a canary complaint (that needs the submission guard).
"""

from __future__ import annotations

from harness.checks.base import Check, Evidence, Finding, register, screen_evidence
from harness.evidence import keywords
from harness.observe.model import Observations, ScreenVisit

ENTRY_ROLES = ("button", "link", "tab")
"""An entry is something to tap; a select whose options say 投诉 is not one."""


def _mentions(visit: ScreenVisit, words: tuple[str, ...]) -> list[str]:
    screen = visit.as_screen()
    text = " ".join([*screen.texts, *(n.label for n in screen.nodes)])
    return keywords.matches(text, words)


def check(obs: Observations) -> Finding:
    by_signature = {v.signature: v for v in obs.screens}
    entries: list[Evidence] = []
    forms: list[Evidence] = []
    for action in obs.actions:
        if action.kind != "tap" or action.role not in ENTRY_ROLES:
            continue
        if not keywords.matches(action.label, keywords.COMPLAINT_ENTRY):
            continue
        before, after = by_signature.get(action.before), by_signature.get(action.after)
        if before:
            entries.append(screen_evidence(obs, before, f"入口「{action.label}」"))
        if after and any(n.editable for n in after.as_screen().nodes):
            forms.append(screen_evidence(obs, after, f"点击「{action.label}」后出现可填写的表单"))
    # Tracking and rating count on screens about complaints, not wherever the words turn up.
    about = [v for v in obs.screens if _mentions(v, keywords.COMPLAINT_ENTRY + keywords.COMPLAINT_TRACKING)]
    tracking = [screen_evidence(obs, v, "跟踪：" + "、".join(w)) for v in about
                if (w := _mentions(v, keywords.COMPLAINT_TRACKING))]
    rating = [screen_evidence(obs, v, "评价：" + "、".join(w)) for v in about
              if (w := _mentions(v, keywords.COMPLAINT_RATING))]
    parts = {"在线受理": bool(forms), "跟踪反馈": bool(tracking), "回访评价": bool(rating)}
    details = {"entry": bool(entries), **parts}
    evidence = entries[:2] + forms[:2] + tracking[:2] + rating[:2]
    if not entries:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"遍历 {len(obs.screens)} 个界面未找到投诉建议入口"
                               "（投诉建议、意见反馈、我要投诉、留言、12345…）。")
    missing = [name for name, shown in parts.items() if not shown]
    if missing:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"找到投诉建议入口，但缺少：{'、'.join(missing)}。")
    return Finding(verdict="pass", details=details, evidence=evidence,
                   summary="投诉建议入口可达，具备在线受理表单、办理进度跟踪和满意度评价（本次未提交测试诉求）。")


CHECK = register(Check("complaint", "18", "投诉建议：在线受理、跟踪反馈、回访评价", check))
