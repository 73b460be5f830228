"""Filing the canary complaint: recognise a complaint form, fill it, submit it once.

The explorer otherwise never taps 提交; this is the one form it submits, with text nobody else
would write, so the complaint can be traced through the app's tracking pages (and the proxy's
submission guard keeps it from real government systems).
"""

from __future__ import annotations

import re

from harness.evidence import keywords
from harness.ui.tree import Screen, UiNode

SUBMIT_WORDS = keywords.COMPLAINT_SUBMIT
FIELD_VALUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"电话|手机|联系方式|phone|mobile", re.I), "13800138000"),  # the well-known test number
    (re.compile(r"邮箱|e-?mail", re.I), "canary@fingertip.invalid"),
    (re.compile(r"姓名|称呼|name", re.I), "指尖测试"),
    (re.compile(r"身份证|证件号"), ""),  # never invent an identity number; leave it empty
)


def submit_control(screen: Screen) -> UiNode | None:
    """The form's own submit: a button or link named 提交… that comes after its fields (a 提交诉求 tab above the
    form only switches to it), not in a tab bar, not under a dialog."""
    last_field = max((i for i, n in enumerate(screen.nodes) if n.editable), default=-1)
    found = [(i, n) for i, n in enumerate(screen.nodes) if n.clickable and not n.covered and not n.in_tabbar
             and n.role in ("button", "link")
             and any(n.label.strip().lower().startswith(w.lower()) for w in SUBMIT_WORDS)]
    after = [n for i, n in found if i > last_field]
    return next(iter(after or [n for _, n in found]), None)


CONFIRM_LABELS = ("确定", "确认", "确认提交", "确定提交", "提交", "是", "是的", "好的", "确 定", "ok", "yes", "confirm",
                  "submit")
QUESTION = re.compile(r"[？?]|是否|确认|确定要|confirm", re.I)


def confirm_control(screen: Screen) -> UiNode | None:
    """The OK of a dialog asking to confirm the submission just made (确认提交？ 确定 / 取消), drawn by the app
    (an Android AlertDialog, a web modal): a dialog covering the page, or a screen of a question and a few
    buttons, with a control named exactly 确定 / 确认 / OK. None when there is no such question."""
    buttons = [n for n in screen.nodes if n.clickable and not n.covered]
    ok = next((n for n in buttons if n.label.strip().lower() in CONFIRM_LABELS), None)
    if ok is None or any(n.editable and not n.covered for n in screen.nodes):
        return None  # still the form (its own 提交), not a question about it
    asking = any(QUESTION.search(t) for t in (screen.title, *screen.texts))
    return ok if asking and (screen.blocked or len(buttons) <= 3) else None


def is_complaint_form(screen: Screen) -> bool:
    text = " ".join([screen.title, *screen.texts, *(n.label for n in screen.nodes)])
    has_free_text = any(n.editable for n in screen.nodes)
    about_complaints = bool(keywords.matches(text, keywords.COMPLAINT_ENTRY))
    return has_free_text and about_complaints and submit_control(screen) is not None


NEXT_LABELS = re.compile(r"^\s*(下一步|下一頁|下一页|继续|繼續|next\b|continue\b)", re.I)
WIZARD_STEPS = 8
"""Most steps a complaint wizard is followed through before its submit shows (类型 → 地址 → 描述 → 确认)."""


def next_control(screen: Screen) -> UiNode | None:
    """A wizard's 下一步 / 继续 / Next: a button or link, reachable, not in a tab bar."""
    return next((n for n in screen.nodes if n.clickable and not n.covered and not n.in_tabbar
                 and n.role in ("button", "link") and NEXT_LABELS.match(n.label)), None)


def is_complaint_wizard(screen: Screen, via: str) -> bool:
    """A complaint form given in steps: fields (or a choice) and a 下一步, no submit yet, about complaints by
    its own words or by the control that opened it (开始举报 → 第1步 问题类型)."""
    fields = any((n.editable or n.role == "select") and not n.covered for n in screen.nodes)
    if not fields or next_control(screen) is None or submit_control(screen) is not None:
        return False
    text = " ".join([via, screen.title, *screen.texts])
    return bool(keywords.matches(text, keywords.COMPLAINT_ENTRY))


def value_for(node: UiNode, canary: str) -> str:
    for pattern, value in FIELD_VALUES:
        if pattern.search(node.label):
            return value
    return canary


QUERY_FIELD = re.compile(
    r"查[询詢][码碼号]|受理编[号码]|受理編號|受理单?号|编号|編號|单号|回执|工单|code|reference|ticket|case", re.I)
QUERY_BUTTONS = ("查询", "查詢", "搜索", "查看", "search", "look up", "lookup", "query", "find")


def query_form(screen: Screen, number: str) -> tuple[list[tuple[UiNode, str]], UiNode] | None:
    """A form that looks a complaint up by its number (a 查询码 / 受理编号 field and a 查询 button): what to type
    (the acceptance number; the test phone number in a phone field; a field already holding it is left) and
    the button. None when the screen is not one, or no number is known."""
    if not number:
        return None
    fields = [n for n in screen.nodes if n.editable and not n.covered]
    button = next((n for n in screen.nodes if n.clickable and not n.covered and n.role in ("button", "link")
                   and n.label.strip().lower().startswith(QUERY_BUTTONS)), None)
    if button is None or not any(QUERY_FIELD.search(n.hint) for n in fields):
        return None
    values = []
    for node in fields:
        value = number if QUERY_FIELD.search(node.hint) else value_for(node, "")
        if value and node.text != value:
            values.append((node, value))
    return values, button


def own_fields(screen: Screen) -> list[UiNode]:
    """The editable fields of the form the submit belongs to: those before it and after the last button or link
    that ends another form above it (a lookup by 手机号 and 编号 on the same page). All fields when there is no
    submit, or no field before it, to tell."""
    fields = [n for n in screen.nodes if n.editable and not n.covered]
    submit = submit_control(screen)
    if submit is None:
        return fields
    nodes = screen.nodes[:screen.nodes.index(submit)]
    ends = [i for i, n in enumerate(nodes) if n.clickable and n.role in ("button", "link")
            and any(m.editable for m in nodes[i + 1:])]
    own = [n for n in nodes[ends[-1] + 1 if ends else 0:] if n.editable and not n.covered]
    return own or fields  # a submit above its fields (提交 in a top bar): the screen's fields are its own
