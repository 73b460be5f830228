"""The explorer: walks an app's UI on any device and records what it saw.

Scripted steps from the scenario go first. Then coverage before depth: a survey taps every tab and every
control of the start screen once, coming back after each; then each branch found there is walked depth
first, best branches first (我的 / 关于 / 设置, complaint paths, check-in / ranking / upload), each with its
share of what is left of the budget, so one deep branch cannot eat it. On each screen tabs come first, then
controls whose text the articles need, then the rest, unlabeled controls last (a few per screen). A control
is tried once; it is tapped again only to reach what lies behind it. A form is one place whatever is typed
or chosen in it: its controls are tried once and the walk leaves it. Every new screen gets a screenshot
(when the explorer is given a folder for them).

The walk stays inside the app: at its entry it goes to the start instead of back (back there would leave the
app), and a screen outside the app (another host, the browser's new-tab page) is left at once and never
recorded. It never taps controls that would submit, pay or delete (keywords.DO_NOT_TAP) — except once, on the
first complaint form, which it fills with the canary text and submits (complaint_form.py), confirming that one
submission if the app asks, then follows it up at once (the confirmation's tracking link, a lookup by its
acceptance number) and again after the dwell (revisit) — answers file pickers with the canary photo, and
stops on its time budget, its action budget, a plateau of actions that find nothing new, or an app that
stopped answering (AppHung).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from harness.config.scenario import Explore, Step
from harness.devices.protocol import Device
from harness.errors import AppHung, UiError
from harness.evidence import keywords
from harness.observe.model import Action, Coverage, ScreenVisit
from harness.ui import complaint_form
from harness.ui.tree import Screen, UiNode

PLATEAU = 20
"""Consecutive actions without a new screen after which the walk stops."""
UNLABELED_PER_PLACE = 3
"""Controls without a meaningful label tried per place: icons, day cells and arrows come in dozens."""
UNTRIED_SHOWN = 20
BACKS_HOME = 4
"""Steps back tried on the way to the start screen before loading it afresh."""
HOME_ALIKE, HOME_CONTROLS_MIN = 0.6, 3
"""A screen showing this share of the start screen's own controls (of at least this many) where it draws them is
the start screen in another state, not a page under the app's chrome."""

TAB, PURPOSE, FEATURE, OTHER, BACKWARD, UNLABELED = range(6)
ABOUT_WORDS = ("我的", "关于", "设置", "个人中心", "关于我们", "About", "Settings")
"""Where apps show their operator and filing number (Art. 5)."""
COMPLAINT_WORDS = ("投诉", "留言", "反馈", "诉求", "建议", "12345", "举报", "来信")
FEATURE_WORDS = ("上传",)
"""Beyond keywords.MANDATORY_FEATURES (打卡 签到 考勤 排名 积分 时长…): controls that send pictures (Art. 14)."""
MEANINGFUL = re.compile(r"[\u3400-\u9fff]|[A-Za-z]{2,}")
"""A label a person can read: some Chinese, or a word. Not '›', '×', '3' or an icon font's glyph."""


DO_NOT_TAP_EN = re.compile(
    r"\b(pay|payment|purchase|buy now|checkout|delete|remove|confirm|cancel account|close account|"
    r"deregister|unsubscribe|withdraw|revoke|sign out|log ?out)\b", re.I)
"""English labels of controls a test must not tap (Pay, Delete, Confirm payment…): whole words, so a Payroll
link is not caught."""
FILES_EN = re.compile(r"\b(submit|send)\b", re.I)
FILES_A_FORM = ("提交", "发送", "送出", "發送", "遞交", "submit")
"""Do-not-tap words that only file something: a control named so that *leads to* a complaint place (去提交诉求,
我要说（提交诉求）) is a way in, not the filing. Pay, delete, confirm and log out never are."""
NAVIGATES = re.compile(r"^(去|我要|前往|进入|進入|点击进入|立即前往|go to\b)|(入口|→|›|>)\s*$", re.I)
"""How a way in is phrased: 去…, 我要…, 前往…, …入口."""
GOES_BACK = re.compile(r"^\s*(上一步|返回|后退|‹|<|←|back\b|previous\b|prev\b)", re.I)
"""A control that only goes back (上一步, ‹ 留言反馈, Back): the walk goes back by itself; tried after the rest."""


def names(node: UiNode) -> tuple[str, ...]:
    """Every name a control has: its text and its accessible name (aria-label / title / alt, a placeholder)."""
    return tuple(n for n in dict.fromkeys((node.text, node.hint)) if n)


def name(node: UiNode) -> str:
    """The name a person reads: the text, or for an icon-only control (✎, 💬) its accessible name."""
    return next((n for n in names(node) if MEANINGFUL.search(n)), node.label)


def labelled(node: UiNode) -> bool:
    label = name(node)
    return bool(MEANINGFUL.search(label)) or bool(keywords.matches(label, COMPLAINT_WORDS))


def priority(node: UiNode) -> int:
    """Lower runs first: tabs; 我的 / 关于 / 设置 and complaint paths; check-in / ranking / upload; the rest;
    controls that only go back (上一步, ‹ …); controls without a readable label (an icon with an accessible name
    is ranked by that name)."""
    label = name(node)
    if node.in_tabbar or node.role == "tab":
        return TAB
    if not labelled(node):
        return UNLABELED
    if GOES_BACK.match(label):
        return BACKWARD
    if keywords.matches(label, keywords.COMPLAINT_ENTRY + COMPLAINT_WORDS + ABOUT_WORDS) or keywords.tracking(label):
        return PURPOSE
    if (keywords.feature_of(label) or node.role == "file"
            or (keywords.matches(label, FEATURE_WORDS) and not keywords.is_trap(label))):
        return FEATURE
    return OTHER


def in_form(screen: Screen | None) -> bool:
    return screen is not None and any(n.editable for n in screen.nodes)


def navigation_entry(node: UiNode, screen: Screen | None) -> bool:
    """A way into a complaint place (a link or tab, or a control phrased 去… / 我要… / …入口), not inside a
    form. Unknown context (no screen) is a form: fail closed."""
    if screen is None or in_form(screen):
        return False
    label = name(node)
    complaint = keywords.COMPLAINT_ENTRY + keywords.COMPLAINT_TRACKING + COMPLAINT_WORDS
    way_in = node.role in ("link", "tab") or node.in_tabbar or bool(NAVIGATES.search(label.strip()))
    return way_in and bool(keywords.matches(label, complaint))


def forbidden(node: UiNode, screen: Screen | None = None) -> bool:
    """Would tapping it submit, pay or delete? Every name counts (an icon 🗑 named 删除 is a delete). Only the
    filing words are let through, and only on a way into a complaint place outside any form."""
    hits = {w for n in names(node) for w in keywords.matches(n, keywords.DO_NOT_TAP)}
    if any(DO_NOT_TAP_EN.search(n) for n in names(node)):
        hits.add("en")
    if any(FILES_EN.search(n) for n in names(node)):
        hits.add("submit")
    if not hits:
        return False
    return not (hits <= set(FILES_A_FORM) and navigation_entry(node, screen))


def tappable(node: UiNode, screen: Screen | None = None) -> bool:
    if node.role == "file":
        return True
    if not node.clickable or node.covered:
        return False  # a control under a blocking dialog: a finger reaches the dialog, not it
    return not forbidden(node, screen)


def place(screen: Screen) -> str:
    """Where the walk is, for deciding what to try: the screen's title and controls, without what its fields
    hold (a field's label is its text: typing or picking a value makes a new signature, still the same form)
    and without its address: the same page under two addresses (/ and /index.html, an activity started twice)
    is one place, its controls tried once."""
    controls = "|".join(f"{n.role}:{n.hint if n.editable else n.label}" for n in screen.nodes)
    return hashlib.sha1(f"{screen.title}#{controls}".encode()).hexdigest()[:12]


def rank(node: UiNode) -> int:
    """What a control's words promise, whether or not it sits in a tab bar (我的 is a tab and an Art. 5 path)."""
    return priority(UiNode(node.ref, "button", node.text, node.hint, clickable=True))


DISMISS_MORE = ("取消", "暂不需要", "下次再说", "cancel", "dismiss", "no thanks")
"""Beyond keywords.DISMISS (同意 / 我知道了 / 关闭 / ×…): what else closes a dialog that only blocks the page."""
CLOSE_GLYPHS = ("x", "✖", "╳")
"""Close glyphs matched whole: a label that merely begins with x (XX区政务) closes nothing."""
DISMISS_LABEL_MAX = 16
TRACKING_LABEL_MAX = 12
"""A control leading to where complaints are followed up is named in a few words (我的反馈, 办理进度查询)."""


def dismiss_control(screen: Screen) -> UiNode | None:
    """The control that closes a blocking dialog: 关闭 / 我知道了 / 同意 / ×… on the dialog itself."""
    words = tuple(w.lower() for w in keywords.DISMISS + DISMISS_MORE)
    for node in screen.nodes:
        if not node.clickable or node.covered or forbidden(node, screen):
            continue
        said = [n.strip().lower() for n in names(node)]
        if any((len(n) <= DISMISS_LABEL_MAX and n.startswith(words)) or n in CLOSE_GLYPHS for n in said):
            return node
    return None


def tracking_control(node: UiNode) -> bool:
    label = name(node).strip()
    return len(label) <= TRACKING_LABEL_MAX and bool(keywords.tracking(label))


@runtime_checkable
class Dismisses(Protocol):
    """A device that can close what a dialog shows without a control (Escape on the web)."""

    def dismiss(self) -> None: ...


@runtime_checkable
class AcceptsConfirms(Protocol):
    """A device whose app's native confirm boxes are answered for it (the web's confirm()): OK only while the
    complaint is being filed."""

    def accept_confirms(self, accept: bool) -> None: ...


@runtime_checkable
class KeepsNotes(Protocol):
    """A device that does things on its own to keep the walk inside the app (closes a window the app opened)
    and says so."""

    def take_notes(self) -> list[str]: ...


class WalkOver(Exception):
    """Ends the walk early: the app stopped answering, or shows nothing but pages outside itself."""

    def __init__(self, stopped: str, message: str) -> None:
        self.stopped = stopped
        super().__init__(message)


@dataclass
class Walk:
    """What the explorer recorded; the run turns it into Observations."""

    screens: list[ScreenVisit] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the walk did to stay inside the app (pages outside it left, windows closed): not problems."""
    waited_s: float = 0.0
    """Time spent waiting for the app (settling after actions, scripted waits): the device's own time."""
    complaint_withheld: str = ""
    """A complaint form was found but not filed: why (the run's traffic was not proven to go through the
    capture proxy)."""
    coverage: Coverage | None = None
    """Set when the walk ends."""


ControlKey = tuple[str, str, str]


@dataclass(frozen=True)
class Branch:
    score: tuple[int, int]
    node: UiNode


class Explorer:
    def __init__(self, device: Device, settings: Explore, canary_photo: Path, shots: Path | None,
                 clock: Callable[[], float] = time.time, canary_text: str = "",
                 complaint_gate: Callable[[], str] | None = None) -> None:
        self.device = device
        self.canary_text = canary_text
        self.complaint_gate = complaint_gate
        """Asked before the canary is typed: "" lets the complaint be filed, anything else is why not; without
        a gate the complaint is never filed (fail closed)."""
        self.complaint_filed = False
        self.settings = settings
        self.canary_photo = canary_photo
        self.shots = shots
        """Where each new screen's screenshot goes; None: none taken (the IPv6-only pass names screens by key)."""
        self.clock = clock
        self.walk = Walk()
        self._seen: set[str] = set()
        self._contents: set[tuple[str, str]] = set()
        self._tried: set[ControlKey] = set()
        """Controls acted on to find out what they do: never again, except to reach what lies behind one."""
        self._controls: dict[ControlKey, tuple[int, str]] = {}
        """Every control the walk could have tapped: its priority and label (coverage)."""
        self._finished: set[str] = set()
        """Places whose every control was tried."""
        self._open: set[str] = set()
        """Places on the current depth-first path: not entered again from below."""
        self._unlabeled: Counter[str] = Counter()
        self._current: Screen | None = None
        self._entry_key = ""
        self._routes: dict[str, list[UiNode]] = {}
        """How each place was first reached from the start screen: the controls tapped, in order."""
        self._arriving: list[UiNode] | None = None
        self._tracking: dict[ControlKey, tuple[str, UiNode]] = {}
        """Controls leading to where complaints are followed up, with the place showing them."""
        self._showed_canary: set[str] = set()
        """Places that listed the canary complaint after it was submitted (My cases, 我的诉求), whatever named them."""
        self._dismissing = False
        self._stays: set[str] = set()
        """Places whose dialog would not close: not tried again on every visit."""
        self._home: Screen | None = None
        self._chrome: set[tuple[str, str, tuple[int, int, int, int]]] = set()
        """The start screen's controls by role, label and place on the screen: met alike deeper, the app's chrome."""
        self._home_states: set[str] = set()
        """Places that are the start screen in another state (开始值班 unlocked its tiles)."""
        self._inert: set[tuple[str, str, tuple[int, int, int, int]]] = set()
        """Start-screen controls whose try there changed nothing (a locked tile): tried again in another state of
        the start screen, while those that led somewhere stay the app's chrome (a drawer's items)."""
        self._lingered = False
        self.submitted = False
        """The canary complaint was submitted: the tracking place is worth a second look after the dwell."""
        self.acceptance = ""
        """The number the app gave the canary complaint (受理编号 / 查询码), to look it up by."""
        self._deadline = 0.0
        self._branch_deadline = math.inf
        self._branch_actions = math.inf
        self._actions = 0
        self._stale = 0

    # ── observing ──────────────────────────────────────────────────────────────────────────
    def observe(self) -> Screen:
        """The screen now; recorded (with a screenshot) when it is new, or shows new content. A screen outside
        the app is left first: it is never recorded, judged or explored.

        The walk's graph knows screens by signature (place and controls); evidence needs content
        too: a tracking page listing the canary complaint has the same controls as the empty one.
        """
        screen = self._recorded(self._look())
        if screen.blocked and not self._dismissing:
            screen = self._dismiss(screen)
        self._current = screen
        return screen

    def _recorded(self, screen: Screen) -> Screen:
        if screen.outside:
            screen = self._leave(screen)
        signature = screen.signature()
        content = hashlib.sha1("\n".join(screen.texts).encode()).hexdigest()[:8]
        if signature not in self._seen:
            self._seen.add(signature)
            self._stale = 0
        if (signature, content) not in self._contents:
            self._contents.add((signature, content))
            ref = self._screenshot(screen, signature) if self.shots is not None else None
            self.walk.screens.append(ScreenVisit(t=self.clock(), signature=signature, screen=screen.to_dict(),
                                                 screenshot=ref))
        where = place(screen)
        if self._arriving is not None:
            self._routes.setdefault(where, self._arriving)
        if self.submitted and self.canary_text and any(self.canary_text in t for t in screen.texts):
            self._showed_canary.add(where)
        if self._home is not None and where != place(self._home) and self._home_alike(screen):
            self._home_states.add(where)
        for node in screen.actionable():
            if tappable(node, screen):
                self._controls.setdefault(self._key(where, node), (priority(node), node.label))
                if tracking_control(node):
                    self._tracking.setdefault(self._key(where, node), (where, node))
        return screen

    def _screenshot(self, screen: Screen, signature: str) -> str | None:
        assert self.shots is not None
        shot = self.shots / f"{len(self.walk.screens):03d}-{signature}.png"
        self.shots.mkdir(parents=True, exist_ok=True)
        try:
            self.device.screenshot(shot)
            return f"{self.shots.name}/{shot.name}"
        except AppHung:
            raise
        except UiError as e:  # a missing picture must not end the walk
            self.walk.problems.append(f"screenshot failed on {screen.key}: {e}")
            return None

    def _dismiss(self, screen: Screen) -> Screen:
        """Close a dialog that covers the page (its 关闭 / 我知道了 / 同意 / ×, else Escape) before the walk goes
        on behind it. A dialog holding a form is content (a complaint form in a sheet): it is explored instead;
        so is one that cannot be closed (its own controls are then the only ones tried)."""
        if any(n.editable and not n.covered for n in screen.nodes) or place(screen) in self._stays:
            return screen
        self._dismissing = True
        first = place(screen)
        escaped = False
        try:
            for _ in range(3):  # a dialog may open another (同意 → 我知道了)
                control = dismiss_control(screen)
                if control is not None:
                    self.device.tap(control)
                elif isinstance(self.device, Dismisses) and not escaped:
                    self.device.dismiss()
                    escaped = True
                else:
                    break
                self._settle()
                after = self._recorded(self._look())
                self._record("dismiss", control, screen, after)
                if place(after) == place(screen) and control is not None:
                    break  # the control did not close it: leave the dialog to the walk
                screen = after
                if not screen.blocked:
                    break
        finally:
            self._dismissing = False
        if screen.blocked:
            self._stays.add(first)
        return screen

    def _look(self) -> Screen:
        screen = self.device.screen()
        if isinstance(self.device, KeepsNotes):
            self.walk.notes += self.device.take_notes()
        return screen

    def _leave(self, screen: Screen) -> Screen:
        """Back into the app from a screen outside it: back (never before the entry), else the app's start."""
        self.walk.notes.append(f"离开了应用之外的页面：{screen.outside[:200]}")
        for go in (self.device.back, self.device.home):
            go()
            self._settle()
            screen = self._look()
            if not screen.outside:
                return screen
        raise WalkOver("outside", "explorer stopped: the app shows only pages outside its hosts "
                                  f"({screen.outside[:200]})")

    def _record(self, kind: str, node: UiNode | None, before: Screen, after: Screen | None) -> None:
        self.walk.actions.append(Action(
            t=self.clock(), kind=kind, label=node.label if node else "", role=node.role if node else "",
            before=before.signature(), after=after.signature() if after else "",
        ))

    def _settle(self) -> None:
        started = time.perf_counter()
        self.device.settle(self.settings.settle_s)
        self.walk.waited_s += time.perf_counter() - started

    def _stop_reason(self) -> str:
        if self.clock() >= self._deadline:
            return "time"
        if self._actions >= self.settings.max_actions:
            return "actions"
        if self._stale >= PLATEAU:
            return "plateau"
        return ""

    def _budget_left(self) -> bool:
        """Budget for the walk and for the branch being walked."""
        return (not self._stop_reason() and self.clock() < self._branch_deadline
                and self._actions < self._branch_actions)

    def _home_alike(self, screen: Screen) -> bool:
        """Most of the start screen's own controls (beyond its tab bar), where it draws them."""
        own = {c for c in self._chrome if c[0] != "tab"}
        shown = {(n.role, n.label, n.bounds) for n in screen.nodes if n.clickable and not n.in_tabbar}
        return len(own) >= HOME_CONTROLS_MIN and len(own & shown) >= HOME_ALIKE * len(own)

    def _key(self, where: str, node: UiNode) -> ControlKey:
        """A control is tried once per place; a tab once wherever it shows, and so is the app's own chrome: a
        control drawn where the start screen draws it, alike (a header's ⌂ / 我的 on every page)."""
        if node.in_tabbar:
            where = "tabbar"
        elif node.bounds != (0, 0, 0, 0) and (drawn := (node.role, node.label, node.bounds)) in self._chrome \
                and not (where in self._home_states and drawn in self._inert):
            where = "chrome"
        return (where, node.role, node.label or f"#{node.ref}")

    # ── acting ─────────────────────────────────────────────────────────────────────────────
    def act(self, node: UiNode, before: Screen) -> Screen:
        self._actions += 1
        self._stale += 1
        route = self._routes.get(place(before))
        self._arriving = [*route, node] if route is not None else None
        try:
            return self._act(node, before)
        finally:
            self._arriving = None

    def _act(self, node: UiNode, before: Screen) -> Screen:
        if node.role == "file":
            self.device.choose_file(node, self.canary_photo)
            kind = "file"
        else:
            self.device.tap(node)
            kind = "tap"
        self._settle()
        after = self.observe()
        self._record(kind, node, before, after)
        if after.watching and not before.watching and not self._lingered:
            after = self._linger(after)
        if not self.canary_text or self.complaint_filed:
            return after
        wizard = complaint_form.is_complaint_wizard(after, name(node))
        if wizard or complaint_form.is_complaint_form(after):
            withheld = self.complaint_gate() if self.complaint_gate else "没有可证明流量经过采集代理的检查"
            if withheld:
                self.complaint_filed = True  # asked once: the form stays unfilled for the whole run
                self.walk.complaint_withheld = withheld
                self._record("complaint-withheld", None, after, None)
            else:
                after = self._through_wizard(after) if wizard else self.file_complaint(after)
        return after

    def _linger(self, screen: Screen) -> Screen:
        """The tap made the app start following the device's position: stay (once per run, within the budget)
        to see whether it sends the track on a timer, as a person filling the form or on duty would."""
        self._lingered = True
        seconds = min(self.settings.linger_s, self._deadline - self.clock())
        if seconds <= 0:
            return screen
        time.sleep(seconds)
        self.walk.waited_s += seconds
        where = (screen.title or screen.key)[:80]
        self.walk.notes.append(f"应用在「{where}」开始持续获取位置：在此停留 {seconds:.0f} 秒，观察是否上传轨迹")
        after = self.observe()
        self._record("wait", None, screen, after)
        return after

    def _through_wizard(self, screen: Screen) -> Screen:
        """A complaint form in steps (类型 → 地址 → 描述 → 确认): each step's empty fields filled as a form's are,
        its 下一步 tapped, until the submit shows; then filed as a form. A step that does not move on ends it."""
        self.complaint_filed = True
        self._arriving = None  # the steps after the first are reached only by typing: no way back by taps
        for _ in range(complaint_form.WIZARD_STEPS):
            if complaint_form.submit_control(screen) is not None:
                return self.file_complaint(screen)
            forward = complaint_form.next_control(screen)
            if forward is None:
                break
            for node in screen.nodes:
                value = complaint_form.value_for(node, self.canary_text) if node.editable and not node.covered else ""
                if value and not node.text:
                    self.device.type_text(node, value)
                    self._record("type", node, screen, None)
            after = self._tap(forward, screen)
            if (place(after), after.texts) == (place(screen), screen.texts):
                break
            screen = after
        self.walk.problems.append(f"complaint wizard at {screen.key} did not reach its submit")
        return screen

    def file_complaint(self, form: Screen) -> Screen:
        """Fill the free-text fields of the form its submit belongs to (the canary text, or a test value by its
        label) and submit once."""
        self.complaint_filed = True
        for node in complaint_form.own_fields(form):
            value = complaint_form.value_for(node, self.canary_text)
            if value:
                self.device.type_text(node, value)
                self._record("type", node, form, None)
        filled = self.device.screen()
        submit = complaint_form.submit_control(filled)
        if submit is None:
            self.walk.problems.append(f"complaint form at {form.key} lost its submit control")
            return filled
        self._arriving = None  # what follows exists only after a submission: no way back to it by taps
        answers = self.device if isinstance(self.device, AcceptsConfirms) else None
        if answers:
            answers.accept_confirms(True)
        try:
            self.device.tap(submit)
            self.submitted = True
            self._settle()
        finally:
            if answers:
                answers.accept_confirms(False)
        self._dismissing = True  # a dialog asking to confirm the submission is answered, not closed
        try:
            after = self.observe()
        finally:
            self._dismissing = False
        self._record("submit", submit, filled, after)
        confirm = complaint_form.confirm_control(after)
        if confirm is not None:  # 确认提交？ as the app's own dialog: part of the one submission
            after = self._tap(confirm, after, "submit")
        elif after.blocked:
            after = self.observe()  # any other dialog (a notice) is closed as anywhere
        number = keywords.ACCEPTANCE_NUMBER.search(" ".join([*after.texts, *(n.label for n in after.nodes)]))
        self.acceptance = number.group(1) if number else ""
        return self._follow_up(after)

    def _follow_up(self, screen: Screen) -> Screen:
        """Right after the complaint is filed: where its confirmation leads to follow it up (查询办理情况, 查看进度),
        and the lookup by its number there."""
        control = next((n for n in screen.nodes if n.clickable and not n.covered and tracking_control(n)
                        and not forbidden(n, screen)), None)
        if control is not None:
            screen = self._tap(control, screen)
        return self._look_up(screen)

    def _look_up(self, screen: Screen) -> Screen:
        """On a form that looks complaints up by number: the canary complaint's number typed in, 查询 tapped."""
        found = complaint_form.query_form(screen, self.acceptance)
        if found is None:
            return screen
        values, button = found
        for node, value in values:
            self.device.type_text(node, value)
            self._record("type", node, screen, None)
        return self._tap(button, screen)

    def _tap(self, node: UiNode, before: Screen, kind: str = "tap") -> Screen:
        """A tap the walk makes for a reason of its own (not a control tried): tapped, settled, recorded."""
        self.device.tap(node)
        self._settle()
        after = self.observe()
        self._record(kind, node, before, after)
        return after

    def _try(self, node: UiNode, screen: Screen) -> Screen | None:
        """Act on `node` as it is on the screen now (apps re-render: found again by role and label); None when
        the UI did not let it (noted: the app's behaviour). An app that stopped answering ends the walk."""
        now = self._current or screen
        found = next((n for n in now.nodes if (n.role, n.label) == (node.role, node.label) and n.label), node)
        try:
            return self.act(found, now)
        except AppHung as e:
            raise WalkOver("hung", f"explorer stopped: the app stopped answering at {now.key}: {e}") from e
        except UiError as e:  # the control went away under us: note it and go on
            self.walk.problems.append(f"could not act on {found.label!r} at {now.key}: {e}")
            return None

    def _back(self, here: Screen) -> Screen:
        """One step back. At the entry there is nothing of the app's before it (a browser has its new-tab
        page there, a phone its launcher): the app's start is brought back instead."""
        if here.key == self._entry_key:
            self.device.home()
            kind = "home"
        else:
            self.device.back()
            kind = "back"
        self._settle()
        after = self.observe()
        self._record(kind, None, here, after)
        return after

    def back_to(self, target: Screen) -> bool:
        here = self._current or self.observe()
        if place(here) == place(target):
            return True
        return place(self._back(here)) == place(target)

    def go_home(self, home: Screen) -> bool:
        """Back to the start screen: by going back while that leads somewhere (a reload would end what the app
        keeps running: a track, a timer), else by loading the app's start."""
        here = self._current or self.observe()
        for _ in range(BACKS_HOME):
            if place(here) == place(home):
                return True
            if here.key == self._entry_key:
                break  # back at the entry leaves the app: load the start instead
            after = self._back(here)
            if place(after) == place(here):
                break
            here = after
        if place(here) == place(home):
            return True
        self.device.home()
        self._settle()
        after = self.observe()
        self._record("home", None, here, after)
        return place(after) == place(home)

    def run_steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            before = self.observe()
            if step.wait is not None:
                time.sleep(step.wait)
                self.walk.waited_s += step.wait
                self._record("wait", None, before, None)
                continue
            if step.back:
                self._back(before)
                continue
            wanted = step.tap if step.tap is not None else (step.type or {}).get("into", "")
            node = next((n for n in before.nodes if wanted and wanted in n.label), None)
            if node is None:
                self.walk.problems.append(f"scripted step: no control labelled {wanted!r} on {before.key}")
                continue
            if step.tap is not None:
                self.device.tap(node)
            else:
                self.device.type_text(node, (step.type or {})["text"])
            self._settle()
            self._record("step", None, before, self.observe())

    def candidates(self, screen: Screen, depth: int) -> list[UiNode]:
        """What to try on `screen`, best first: tabs, purposeful controls, the rest, unlabeled ones last.
        Controls a dialog covers are left until it is gone."""
        where = place(screen)
        # A tab is tried once wherever it is (its key is the tab bar's): one first reachable deeper — under a
        # dialog on the start screen, or a list's own tabs (待处理 / 已回复) — is tried there.
        found = [n for n in screen.actionable() if tappable(n, screen) and self._key(where, n) not in self._tried]
        return sorted(found, key=priority)

    def _worth_trying(self, where: str, node: UiNode) -> bool:
        if self._key(where, node) in self._tried:
            return False
        if priority(node) == UNLABELED:
            if self._unlabeled[where] >= UNLABELED_PER_PLACE:
                return False
            self._unlabeled[where] += 1
        self._tried.add(self._key(where, node))
        return True

    def explore(self, screen: Screen, depth: int) -> bool:
        """Walk `screen`'s controls depth first; False when the walk lost its way back or ran out of budget."""
        where = place(screen)
        self._open.add(where)
        try:
            for candidate in self.candidates(screen, depth):
                if not self._budget_left():
                    return False
                now = self._current or screen
                if place(now) != where:
                    return False
                if not self._worth_trying(where, candidate):
                    continue
                after = self._try(candidate, now)
                if after is None or place(after) == where:
                    continue  # in place: a form stays the same form whatever was chosen in it
                target = place(after)
                if target not in self._finished and target not in self._open and depth < self.settings.max_depth:
                    self.explore(after, depth + 1)
                if not self.back_to(screen):
                    return False
            self._finished.add(where)
            return True
        finally:
            self._open.discard(where)

    def survey(self, home: Screen) -> list[Branch]:
        """Every tab and every control of the start screen once, back after each: coverage before depth.
        Returns the branches found, best first (by what the control and the screen it opens promise)."""
        where = place(home)
        branches: list[Branch] = []
        for candidate in self.candidates(home, 1):
            if self._stop_reason():
                break
            if not self.go_home(home):
                continue
            if not self._worth_trying(where, candidate):
                continue
            after = self._try(candidate, self._current or home)
            if after is None or place(after) == where:
                self._inert.add((candidate.role, candidate.label, candidate.bounds))
                continue
            inside = min((priority(n) for n in after.actionable() if tappable(n, after) and not n.in_tabbar),
                         default=OTHER)
            branches.append(Branch((min(inside, rank(candidate)), rank(candidate)), candidate))
        if not self._stop_reason():
            self._finished.add(where)
        return sorted(branches, key=lambda b: b.score)

    def deepen(self, home: Screen, branches: list[Branch]) -> None:
        """Each branch walked depth first with its share of what is left (time and actions), unused share
        going to the branches after it; branches cut short get further rounds while they find something."""
        pending = branches
        while pending and not self._stop_reason():
            tried = len(self._tried)
            unfinished: list[Branch] = []
            for index, branch in enumerate(pending):
                if self._stop_reason():
                    return
                share = len(pending) - index
                self._branch_deadline = self.clock() + (self._deadline - self.clock()) / share
                self._branch_actions = self._actions + max(1, (self.settings.max_actions - self._actions) // share)
                self._stale = 0
                try:
                    if not self.go_home(home):
                        unfinished.append(branch)
                        continue
                    # Tapped again for a reason: to reach what lies behind it.
                    after = self._try(branch.node, self._current or home)
                    if after is None or place(after) == place(home):
                        continue
                    if not self.explore(after, 2):
                        unfinished.append(branch)
                finally:
                    self._branch_deadline, self._branch_actions = math.inf, math.inf
            if len(self._tried) == tried:
                return  # a whole round found nothing new to try
            pending = unfinished

    def run(self, steps: tuple[Step, ...] = ()) -> Walk:
        self._deadline = self.clock() + self.settings.budget_s
        stopped = ""
        try:
            self._settle()  # let the start screen finish drawing before it is judged (Art. 5: 首屏)
            self._entry_key = self.observe().key
            self.run_steps(steps)
            home = self.observe()
            self._routes[place(home)] = []
            self._home = home
            self._chrome = {(n.role, n.label, n.bounds) for n in home.nodes if n.clickable and n.label
                            and not n.in_tabbar}
            self.deepen(home, self.survey(home))
            stopped = self._stop_reason() or "done"
        except WalkOver as e:
            self.walk.problems.append(str(e))
            stopped = e.stopped
        except UiError as e:  # the app's UI ended the walk: what was recorded stands
            self.walk.problems.append(f"explorer stopped: {e}")
            stopped = "hung" if isinstance(e, AppHung) else "error"
        self.walk.coverage = self.coverage(stopped)
        return self.walk

    def revisit(self) -> None:
        """Back once more, after the dwell, to where complaints are followed up (the list or query the walk
        found, by the way it first got there), so a reply that came seconds after the submission, and the
        rating control that comes with it, are seen. Only after the canary complaint was submitted."""
        stopped = self.walk.coverage.stopped if self.walk.coverage else ""
        if not self.submitted or self._home is None or stopped in ("hung", "outside"):
            return
        # By a control named for it (我的反馈, 办理进度) or to a place that listed the canary complaint (My cases).
        known = [[*self._routes[where], control] for where, control in self._tracking.values() if where in self._routes]
        known += [self._routes[where] for where in self._showed_canary if self._routes.get(where)]
        if not known:
            self.walk.notes.append("提交测试诉求后：未找到可再次进入的跟踪页面（我的反馈、办理进度…）")
            return
        try:
            if not self.go_home(self._home):
                self.walk.problems.append("revisit: could not bring back the start screen")
                return
            for node in min(known, key=len):
                if not self._revisit_tap(node):
                    return
            here = self._look_up(self._current) if self._current else None
            item = next((n for n in here.nodes if here and self.canary_text and n.clickable and not n.covered
                         and self.canary_text in n.label and not forbidden(n, here)), None) if here else None
            if item is not None:  # the complaint's own line in the list opens its reply and rating
                self._revisit_tap(item)
        except (UiError, WalkOver) as e:
            self.walk.problems.append(f"revisit of the tracking page stopped: {e}")

    def _revisit_tap(self, node: UiNode) -> bool:
        here = self._current or self.observe()
        found = next((n for n in here.nodes if (n.role, n.label) == (node.role, node.label) and not n.covered), None)
        if found is None:
            self.walk.problems.append(f"revisit: no control {node.label!r} on {here.key}")
            return False
        self._tap(found, here)
        return True

    def coverage(self, stopped: str) -> Coverage:
        def counts(keys: list[ControlKey]) -> tuple[int, int]:
            return len(keys), sum(k in self._tried for k in keys)

        controls = list(self._controls)
        tabs = [k for k, (p, _) in self._controls.items() if p == TAB]
        purpose = [k for k, (p, _) in self._controls.items() if p in (PURPOSE, FEATURE)]
        unlabeled = [k for k, (p, _) in self._controls.items() if p == UNLABELED]
        untried = list(dict.fromkeys(self._controls[k][1] for k in purpose if k not in self._tried))
        return Coverage(screens=len(self._seen), controls_seen=counts(controls)[0], controls_tried=counts(controls)[1],
                        tabs_seen=counts(tabs)[0], tabs_tried=counts(tabs)[1], purpose_seen=counts(purpose)[0],
                        purpose_tried=counts(purpose)[1], unlabeled_seen=counts(unlabeled)[0],
                        unlabeled_tried=counts(unlabeled)[1], untried=untried[:UNTRIED_SHOWN], stopped=stopped)
