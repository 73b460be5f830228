"""Art. 5: the sponsor (主办/使用) unit and the filing number (备案编号) shown prominently.

A person reads the labels, so does this check: 主办单位 / 主管单位 / 运营单位 (harness/evidence/keywords.py
SPONSOR_LABELS) followed by a name, and 备案编号 / 备案号 / ICP备案 / 备案 (FILING_LABELS) followed by an
identifier — a token with digits, whatever its format — on the same line or, when the label stands
alone, on the next one. Besides, MIIT ICP numbers and the scenario's `filing.patterns` are found
anywhere, label or not. A label with nothing after it, or followed by words or a date, shows nothing;
an identifier without a label (a phone number, a case number in a headline) is no filing number.

Found on the start page (the first screen's place, its footer included, and where a splash or
agreement dismissed from it leads): pass. Found only deeper in the app (我的 → 关于): review (is it
prominent?). Missing from the text but read in a picture's text (a logo's alt): review (does the picture
show it?). Not found anywhere the walk went: fail, naming which of the two is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from harness.checks.base import Check, Finding, register, screen_evidence
from harness.evidence import keywords
from harness.observe.model import Observations, ScreenVisit

ICP_FILING = (
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP备\d{6,10}号(-\d+[A-Z]?)?"),
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]B2-\d{8}(-\d+[A-Z]?)?"),
)
SEPARATOR = r"[ \t\u3000]*\.?[ \t\u3000]*[:：]?[ \t\u3000]*"
"""Between a label and its value: a colon (full or half width), spaces, or nothing."""
VALUE_END = re.compile(r"[|｜;；、，,。\n]|\s{2,}")
"""Where a value ends on a line that goes on (footers join items with | or wide spaces)."""
IDENTIFIER = re.compile(r"[^\s|｜;；、，,。:：]{4,48}")
DATE = re.compile(r"\d{2,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{4}年")
NAME_CHAR = re.compile(r"[A-Za-z\u4e00-\u9fff]")
ISSUER = re.compile(r"^[\u4e00-\u9fff]{1,6}")
NUMBER_MARKS = re.compile(r"[备備号號]")
ITEM_START = " \t\u3000|｜;；，,。·•（(【["
"""What may stand before a label that begins an item of a line (a footer's 主办单位：… | 备案号：…)."""


def _label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True)), re.I)


SPONSOR_LABEL = _label_pattern(keywords.SPONSOR_LABELS)
FILING_LABEL = _label_pattern(keywords.FILING_LABELS)
ANY_LABEL = _label_pattern(keywords.SPONSOR_LABELS + keywords.FILING_LABELS)


@dataclass(frozen=True)
class Shown:
    """What a screen shows for one of the two: the line as read, and the value after its label."""

    text: str
    value: str


def is_identifier(token: str) -> bool:
    """A filing number: letters, digits and dashes with at least four digits, whatever the scheme
    (京ICP备12345678号-1, 粤政务APP备20260108号, ZWAPP-2026-000123…): Chinese only as a short issuer prefix
    (a province, an agency) and the 备 / 号 of the number itself, never a date."""
    if sum(c.isdigit() for c in token) < 4 or DATE.search(token) or "//" in token:
        return False
    rest = ISSUER.sub("", token, count=1)
    return not any("\u4e00" <= c <= "\u9fff" for c in NUMBER_MARKS.sub("", rest))


def _value_after(line: str, end: int, following: str) -> str:
    """The value a label at line[:end] introduces: the rest of the line up to the next item or label, or
    the next line when the label stands alone."""
    rest = re.match(SEPARATOR, line[end:])
    tail = line[end + (rest.end() if rest else 0):]
    if not tail.strip():
        tail = following
    cut = VALUE_END.search(tail)
    value = tail[:cut.start()] if cut else tail
    if (nested := ANY_LABEL.search(value)) and nested.start() > 0:
        value = value[:nested.start()]
    return value.strip()


def _lines(visit: ScreenVisit) -> list[str]:
    screen = visit.as_screen()
    return [*screen.texts, *(n.label for n in screen.nodes if n.label)]


def _stands(line: str, label: re.Match[str]) -> bool:
    """A label, not a word inside a sentence: it begins the line or an item, or a colon follows it."""
    begins = label.start() == 0 or line[label.start() - 1] in ITEM_START
    return begins or re.match(r"[ \t\u3000]*[:：]", line[label.end():]) is not None


def read_sponsor(lines: list[str]) -> tuple[Shown | None, str | None]:
    """The sponsor shown (a label and a name after it), and the first label seen with no name after it."""
    bare = None
    for i, line in enumerate(lines):
        for label in SPONSOR_LABEL.finditer(line):
            if not _stands(line, label):
                continue
            value = _value_after(line, label.end(), lines[i + 1] if i + 1 < len(lines) else "")
            if value and "\u4e00" <= value[0] <= "\u9fff":
                value = value.split()[0]  # a Chinese name has no spaces: what follows is something else
            if len(NAME_CHAR.findall(value)) >= 2 and not ANY_LABEL.match(value) and not is_identifier(value):
                return Shown(line, value), bare
            bare = bare or line
    return None, bare


def read_filing(lines: list[str], patterns: list[re.Pattern[str]]) -> tuple[Shown | None, str | None]:
    """The filing number shown (a known pattern anywhere, or an identifier after a label), and the first
    label seen without one."""
    for line in lines:
        for pattern in patterns:
            if m := pattern.search(line):
                return Shown(line, m.group(0)), None
    bare = None
    for i, line in enumerate(lines):
        for label in FILING_LABEL.finditer(line):
            value = _value_after(line, label.end(), lines[i + 1] if i + 1 < len(lines) else "")
            if not _stands(line, label):
                continue
            token = IDENTIFIER.match(value)
            if token and is_identifier(token.group(0)):
                return Shown(line, token.group(0)), bare
            bare = bare or line
    return None, bare


def is_dismissal(label: str) -> bool:
    """A tap that only clears what stands before the start page: 同意 an agreement, 跳过 a splash, 关闭 a tip."""
    text = label.strip().lower()
    return len(text) <= 16 and any(text.startswith(w.lower()) for w in keywords.DISMISS)


START_ALIKE = 0.5
"""Share of the start page's text lines a later screen under its address must still show to be the start page."""


def start_page(obs: Observations) -> set[str]:
    """Signatures of the start page: what the app showed before anyone acted (a splash that moves on by
    itself included), every later visit to those places (scrolled, its footer loaded, a dialog over it),
    and where a splash or agreement dismissed from it led.

    An address is a page only if the app changes it: one that shows every page under one address (pages
    swapped in place, links to #) would make the whole app its start page. A later visit under the start
    page's address counts when it still shows most of what the start page showed (beyond the lines every
    screen shows)."""
    if not obs.screens:
        return set()
    acted = [a.t for a in obs.actions if a.kind not in ("launch", "wait")]
    by_signature = {v.signature: v for v in obs.screens}

    # Lines every screen shows (a menu, a header, a footer) say nothing about which page is shown.
    everywhere = set.intersection(*(set(v.as_screen().texts) for v in obs.screens))

    def revisits(shown: list[ScreenVisit]) -> set[str]:
        keys = {v.as_screen().key for v in shown}
        lines = {t for v in shown for t in v.as_screen().texts} - everywhere
        return {v.signature for v in obs.screens if v.as_screen().key in keys
                and (not lines or len(lines & set(v.as_screen().texts)) >= START_ALIKE * len(lines))}

    # Without a recorded action, the order of the screens says nothing about how they were reached.
    first = [v for v in obs.screens if acted and v.t < min(acted)] or obs.screens[:1]
    start = revisits(first) | {v.signature for v in first}
    for action in sorted(obs.actions, key=lambda a: a.t):
        if action.kind == "tap" and action.before in start and action.after and is_dismissal(action.label):
            after = by_signature.get(action.after)
            start |= {action.after} | (revisits([after]) if after else set())
    return start


def check(obs: Observations) -> Finding:
    patterns = [*ICP_FILING, *(re.compile(p) for p in obs.filing_patterns)]
    sponsor_at: tuple[int, Shown] | None = None
    filing_at: tuple[int, Shown] | None = None
    bare: dict[str, str] = {}
    start = start_page(obs)
    order = sorted(range(len(obs.screens)), key=lambda i: obs.screens[i].signature not in start)
    for i in order:  # the start page first: where it is shown there, that is where it counts
        lines = _lines(obs.screens[i])
        if sponsor_at is None:
            shown, label_only = read_sponsor(lines)
            sponsor_at = (i, shown) if shown else None
            if label_only:
                bare.setdefault("主办单位", label_only)
        if filing_at is None:
            shown, label_only = read_filing(lines, patterns)
            filing_at = (i, shown) if shown else None
            if label_only:
                bare.setdefault("备案编号", label_only)
    details: dict[str, Any] = {
        "sponsor": sponsor_at[1].value if sponsor_at else None,
        "filing": filing_at[1].value if filing_at else None,
        "labels_without_value": {k: v for k, v in bare.items()
                                 if (k == "主办单位" and not sponsor_at) or (k == "备案编号" and not filing_at)}}
    found = [at for at in (sponsor_at, filing_at) if at is not None]
    evidence = [screen_evidence(obs, obs.screens[i], f"「{shown.text}」") for i, shown in found]
    missing = [name for name, at in (("主办单位", sponsor_at), ("备案编号", filing_at)) if at is None]
    if missing and (pictured := _in_pictures(obs, patterns, missing)):
        i, names, text = pictured
        details["in_picture_text"] = text
        return Finding(verdict="review", details=details,
                       evidence=[*evidence, screen_evidence(obs, obs.screens[i], f"图片替代文字「{text}」")],
                       summary=f"{'、'.join(names)}仅见于图片的替代文字（alt）「{text[:80]}」，界面文字中未见；"
                               "请审核图片本身是否清晰显示、是否属于“显著位置”。")
    if missing:
        empty = "；".join(f"「{line}」后未见{name}内容" for name, line in details["labels_without_value"].items())
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"遍历 {len(obs.screens)} 个界面未见{'、'.join(missing)}标示"
                               f"{'（' + empty + '）' if empty else ''}，不符合第五条。")
    details["on_start_page"] = all(obs.screens[i].signature in start for i, _ in found)
    if details["on_start_page"]:
        return Finding(verdict="pass", details=details, evidence=evidence,
                       summary=f"首页标示主办单位「{details['sponsor']}」及备案编号「{details['filing']}」。")
    deeper = "、".join(name for name, at in (("主办单位", sponsor_at), ("备案编号", filing_at))
                      if at and obs.screens[at[0]].signature not in start)
    return Finding(verdict="review", details=details, evidence=evidence,
                   summary=f"主办单位「{details['sponsor']}」及备案编号「{details['filing']}」有标示，"
                           f"但{deeper}不在首页，请审核是否属于“显著位置”。")


def _in_pictures(obs: Observations, patterns: list[re.Pattern[str]],
                 missing: list[str]) -> tuple[int, list[str], str] | None:
    """Where what the screens' text lacks is read from a picture's text (a header logo whose alt says
    主办单位：… 备案号：…): the screen, which of the two, and the text. A person sees the picture, not its alt:
    whether the picture draws it is for a reviewer."""
    for i, visit in enumerate(obs.screens):
        pictures = list(visit.as_screen().images)
        if not pictures:
            continue
        read = {"主办单位": read_sponsor(pictures)[0], "备案编号": read_filing(pictures, patterns)[0]}
        names = [name for name in missing if read[name] is not None]
        if names:
            shown = next(p for p in pictures if SPONSOR_LABEL.search(p) or FILING_LABEL.search(p)
                         or any(pattern.search(p) for pattern in patterns))
            return i, names, shown
    return None


CHECK = register(Check("filing", "5", "在显著位置标示主办单位及备案编号", check))
