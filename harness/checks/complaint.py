"""Art. 18: a complaint feature with online acceptance, tracking and evaluation.

The explorer reaches a complaint entry however deep, fills the form with this run's canary text
and submits it once. Acceptance: the submission left the app and was answered with success.
Tracking: after that, a screen shows the canary text or the acceptance number (我的反馈 / 办理进度 /
留言查询). Evaluation: a rating control (满意度评价 / 好差评, or 评价 / 满意度 / stars on a screen that
follows the complaint up). Pass only when all three are shown.

Fail only on what is provably absent: no entry anywhere the walk went, a form that errors (the
submission answered 4xx/5xx) or none behind the entry, no tracking place anywhere or one visited
after the submission that does not show it, no rating where the reply has arrived. What the harness
itself could not prove is review, saying exactly that: the complaint withheld (capture not proven),
answered locally by the proxy's submission guard, the tracking place not visited again after the
submission, the reply (and with it the rating) still pending when the run ended, an entry seen but
never reached.
"""

from __future__ import annotations

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register, screen_evidence
from harness.evidence import keywords
from harness.observe.model import Action, Observations, ScreenVisit
from harness.ui.tree import UiNode

ENTRY_ROLES = ("button", "link", "tab")
"""An entry is something to tap; a select whose options say 投诉 is not one."""
ENTRY_LABEL_MAX = 12
"""An entry's label is a few words; a longer text with 建议 in it is a headline or a sentence."""
ACCEPTANCE_NUMBER = keywords.ACCEPTANCE_NUMBER


def _text(visit: ScreenVisit) -> str:
    screen = visit.as_screen()
    return " ".join([*screen.texts, *(n.label for n in screen.nodes)])


def is_entry(label: str) -> bool:
    """A few words naming a complaint channel; not the form's own submit button (提交留言)."""
    text = label.strip()
    return len(text) <= ENTRY_LABEL_MAX and bool(keywords.matches(text, keywords.COMPLAINT_ENTRY)) and \
        not any(text.lower().startswith(w.lower()) for w in keywords.COMPLAINT_SUBMIT)


def names(node: UiNode) -> tuple[str, ...]:
    """What a control is called: its text and its accessible name (an icon-only 💬 button says 意见反馈 there)."""
    return tuple(n for n in (node.text, node.hint) if n)


def action_names(action: Action, before: ScreenVisit | None) -> tuple[str, ...]:
    """The tapped control's names: its label, and the accessible name of the control with that label and role."""
    nodes = before.as_screen().nodes if before else ()
    node = next((n for n in nodes if n.label == action.label and n.role == action.role), None)
    return tuple(dict.fromkeys((action.label, *(names(node) if node else ()))))


def _tracking_places(obs: Observations) -> set[str]:
    """Screens a tap on 我的反馈 / 办理进度 / 留言查询 … led to."""
    return {a.after for a in obs.actions if a.kind == "tap" and a.after
            and keywords.tracking(a.label)}


def _tracking_controls(obs: Observations) -> list[str]:
    return sorted({n.label for v in obs.screens for n in v.as_screen().nodes
                   if n.clickable and n.label and len(n.label) <= ENTRY_LABEL_MAX
                   and keywords.tracking(n.label)})


def check(obs: Observations) -> Finding:
    by_signature = {v.signature: v for v in obs.screens}
    entries: list[Evidence] = []
    entry_actions = [a for a in obs.actions if a.kind == "tap" and a.role in ENTRY_ROLES
                     and any(is_entry(n) for n in action_names(a, by_signature.get(a.before)))]
    for action in entry_actions:
        before = by_signature.get(action.before)
        if before:
            entries.append(screen_evidence(obs, before, f"入口「{action.label}」"))
    seen_entries = sorted({n.label for v in obs.screens for n in v.as_screen().nodes
                           if n.clickable and n.role in ENTRY_ROLES and any(is_entry(x) for x in names(n))})
    forms = [by_signature[a.after] for a in entry_actions if a.after in by_signature
             and any(n.editable and n.role in ("input", "textarea") for n in by_signature[a.after].as_screen().nodes)]
    submit: Action | None = next((a for a in obs.actions if a.kind == "submit"), None)
    flows = obs.app_flows()
    sent = [f for f in flows if f.submission in ("guarded", "forwarded")]
    if not sent and submit:  # nothing recognisably carried the canary: what the guard held after the tap
        sent = [f for f in flows if f.submission == "held" and f.t >= submit.t - 0.5]
    accepted_flows = [f for f in sent if f.status is not None and 200 <= f.status < 300]
    errored = [f for f in sent if f.error or (f.status is not None and f.status >= 400)]
    after_submit = [v for v in obs.screens if submit and v.t >= submit.t - 0.5]
    numbers = {m.group(1) for v in after_submit if (m := ACCEPTANCE_NUMBER.search(_text(v)))}
    confirmed = [v for v in after_submit if keywords.matches(_text(v), keywords.COMPLAINT_ACCEPTED)]
    markers = ({obs.canary_text} if obs.canary_text else set()) | numbers
    follow_up = keywords.COMPLAINT_TRACKING + keywords.COMPLAINT_PENDING + keywords.COMPLAINT_REPLIED
    tracked = [v for v in after_submit if v.signature != (submit.after if submit else "")
               and any(m in _text(v) for m in markers) and keywords.matches(_text(v), follow_up)
               and not keywords.matches(_text(v), keywords.COMPLAINT_CONFIRMED)]  # the confirmation lingering
    replied = [v for v in tracked if keywords.matches(_text(v), keywords.COMPLAINT_REPLIED)]
    pending = [v for v in tracked if keywords.matches(_text(v), keywords.COMPLAINT_PENDING)]
    places = _tracking_places(obs)
    revisited = [v for v in after_submit if v.signature in places and v.signature != (submit.after if submit else "")]
    about = [v for v in obs.screens
             if keywords.matches(_text(v), keywords.COMPLAINT_ENTRY + keywords.COMPLAINT_TRACKING)]
    rating = [(v, w) for v in obs.screens if (w := keywords.matches(_text(v), keywords.COMPLAINT_RATING))]
    rating += [(v, w) for v in about if (w := keywords.matches(_text(v), keywords.RATING_LEVELS))]
    rating += [(v, w) for v in tracked if (w := keywords.matches(_text(v), keywords.RATING_WORDS))]
    guarded = any(f.submission in ("guarded", "held") for f in sent)
    parts = {"在线受理": bool(accepted_flows), "跟踪反馈": bool(tracked), "回访评价": bool(rating)}
    details = {"entry": bool(entries), **parts, "submitted": submit is not None, "guarded": guarded,
               "acceptance_numbers": sorted(numbers), "canary_text": obs.canary_text,
               "withheld": obs.complaint_withheld, "entries_seen": seen_entries,
               "reply_seen": bool(replied), "reply_pending": bool(pending) and not replied,
               "tracking_revisited": bool(revisited)}
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
        if seen_entries:
            return Finding(verdict="review", details=details, evidence=evidence,
                           summary=f"界面上有投诉建议入口（{'、'.join(seen_entries[:3])}），但遍历未能进入，"
                                   "无法验证在线受理、跟踪反馈、回访评价，请人工核验。")
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"遍历 {len(obs.screens)} 个界面未找到投诉建议入口"
                               "（投诉建议、意见反馈、我要投诉、留言、12345…）。")
    missing = [name for name, shown in parts.items() if not shown]
    if not missing:
        number = f"（受理编号 {sorted(numbers)[0]}）" if numbers else ""
        return Finding(verdict="pass", details=details, evidence=evidence,
                       summary=f"测试诉求已提交并受理{number}，跟踪页面可查到该诉求，提供满意度评价。")
    if not submit and forms:
        evidence += [screen_evidence(obs, forms[0], "入口后的表单（未能填写提交）")]
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary="找到投诉建议入口及其后的表单，但未能识别其提交按钮、未提交测试诉求；"
                               "在线受理、跟踪反馈、回访评价无法验证，请人工核验。")
    if not submit:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"找到投诉建议入口，但缺少：{'、'.join(missing)}（未找到可提交的投诉表单）。")
    if errored and not accepted_flows:
        flow = errored[0]
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"提交测试诉求出错（{flow.method} {flow.path} "
                               f"{'HTTP ' + str(flow.status) if flow.status else flow.error}），缺少："
                               f"{'、'.join(missing)}。")
    if guarded:
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary=f"测试诉求由代理在本地应答（未送达真实系统），{'、'.join(missing)}无法验证，请审核。")
    if not sent and not accepted_flows:
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary=f"点击提交后未见测试诉求的请求发出（可能被确认框、校验或登录拦下），"
                               f"{'、'.join(missing)}无法验证，请人工核验。")
    absent: list[str] = []
    unproven: list[str] = []
    if not accepted_flows:
        absent.append("在线受理（提交未见成功应答）")
    if not tracked:
        if not places and not _tracking_controls(obs):
            absent.append("跟踪反馈（未见我的反馈、办理进度等查询入口）")
        elif revisited:
            absent.append("跟踪反馈（提交后查看跟踪页面，未见本次诉求）")
        else:
            unproven.append("跟踪反馈（提交后未再进入跟踪页面）")
    if not rating:
        if replied:
            absent.append("回访评价（诉求已答复，未见评价）")
        elif tracked:
            unproven.append("回访评价（运行结束时诉求尚未答复，评价入口可能在答复后出现）")
        elif "跟踪反馈" in " ".join(absent):
            absent.append("回访评价")
        else:
            unproven.append("回访评价（未能查看本次诉求，无法验证）")
    if absent:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"找到投诉建议入口，但缺少：{'、'.join(absent)}"
                               f"{'；另有无法验证：' + '、'.join(unproven) if unproven else ''}。")
    return Finding(verdict="review", details=details, evidence=evidence,
                   summary=f"测试诉求已提交并受理，但以下无法在本次运行中证明：{'、'.join(unproven)}。请审核。")


CHECK = register(Check("complaint", "18", "投诉建议：在线受理、跟踪反馈、回访评价", check, needs_traffic=True))
