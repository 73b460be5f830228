"""The explorer: walks an app's UI on any device and records what it saw.

Scripted steps from the scenario go first. Then a depth-first walk: on each screen, tabs first,
then controls whose text names a complaint path or a mandatory feature, then the rest; every
new screen gets a screenshot; it goes back after each branch. It never taps controls that would
submit, pay or delete (keywords.DO_NOT_TAP) — except once, on the first complaint form, which it
fills with the canary text and submits (complaint_form.py) — answers file pickers with the
canary photo, and stops on its time budget, its action budget, or a plateau of actions that find
nothing new.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.config.scenario import Explore, Step
from harness.devices.protocol import Device
from harness.errors import UiError
from harness.evidence import keywords
from harness.observe.model import Action, ScreenVisit
from harness.ui import complaint_form
from harness.ui.tree import Screen, UiNode

PLATEAU = 20
"""Consecutive actions without a new screen after which the walk stops."""


def priority(node: UiNode) -> int:
    """Lower runs first: tabs, complaint paths, mandatory-feature controls, everything else."""
    label = node.label
    if node.in_tabbar or node.role == "tab":
        return 0
    if keywords.matches(label, keywords.COMPLAINT_ENTRY + keywords.COMPLAINT_TRACKING):
        return 1
    if keywords.feature_of(label) or node.role == "file":
        return 2
    return 3


def tappable(node: UiNode) -> bool:
    if node.role == "file":
        return True
    if not node.clickable or not node.label:
        return False
    return not keywords.matches(node.label, keywords.DO_NOT_TAP)


@dataclass
class Walk:
    """What the explorer recorded; the run turns it into Observations."""

    screens: list[ScreenVisit] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    waited_s: float = 0.0
    """Time spent waiting for the app (settling after actions, scripted waits): the device's own time."""
    complaint_withheld: str = ""
    """A complaint form was found but not filed: why (the run's traffic was not proven to go through the
    capture proxy)."""


class Explorer:
    def __init__(self, device: Device, settings: Explore, canary_photo: Path, shots: Path,
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
        self.clock = clock
        self.walk = Walk()
        self._seen: set[str] = set()
        self._tried: set[tuple[str, str, str]] = set()
        self._explored: set[str] = set()
        self._contents: set[tuple[str, str]] = set()
        self._in_place: set[tuple[str, str, str]] = set()
        """Controls that did not change the screen: never worth a second tap, in any phase."""
        self._deadline = 0.0
        self._actions = 0
        self._stale = 0

    # ── observing ──────────────────────────────────────────────────────────────────────────
    def observe(self) -> Screen:
        """The screen now; recorded (with a screenshot) when it is new, or shows new content.

        The walk's graph knows screens by signature (place and controls); evidence needs content
        too: a tracking page listing the canary complaint has the same controls as the empty one.
        """
        screen = self.device.screen()
        signature = screen.signature()
        content = hashlib.sha1("\n".join(screen.texts).encode()).hexdigest()[:8]
        if signature not in self._seen:
            self._seen.add(signature)
            self._stale = 0
        if (signature, content) not in self._contents:
            self._contents.add((signature, content))
            shot = self.shots / f"{len(self.walk.screens):03d}-{signature}.png"
            self.shots.mkdir(parents=True, exist_ok=True)
            try:
                self.device.screenshot(shot)
                ref = f"{self.shots.name}/{shot.name}"
            except UiError as e:  # a missing picture must not end the walk
                self.walk.problems.append(f"screenshot failed on {screen.key}: {e}")
                ref = None
            self.walk.screens.append(ScreenVisit(t=self.clock(), signature=signature, screen=screen.to_dict(),
                                                 screenshot=ref))
        return screen

    def _record(self, kind: str, node: UiNode | None, before: Screen, after: Screen | None) -> None:
        self.walk.actions.append(Action(
            t=self.clock(), kind=kind, label=node.label if node else "", role=node.role if node else "",
            before=before.signature(), after=after.signature() if after else "",
        ))

    def _settle(self) -> None:
        started = time.perf_counter()
        self.device.settle(self.settings.settle_s)
        self.walk.waited_s += time.perf_counter() - started

    def _budget_left(self) -> bool:
        return (self.clock() < self._deadline and self._actions < self.settings.max_actions
                and self._stale < PLATEAU)

    # ── acting ─────────────────────────────────────────────────────────────────────────────
    def act(self, node: UiNode, before: Screen) -> Screen:
        self._actions += 1
        self._stale += 1
        if node.role == "file":
            self.device.choose_file(node, self.canary_photo)
            kind = "file"
        else:
            self.device.tap(node)
            kind = "tap"
        self._settle()
        after = self.observe()
        self._record(kind, node, before, after)
        if self.canary_text and not self.complaint_filed and complaint_form.is_complaint_form(after):
            withheld = self.complaint_gate() if self.complaint_gate else "没有可证明流量经过采集代理的检查"
            if withheld:
                self.complaint_filed = True  # asked once: the form stays unfilled for the whole run
                self.walk.complaint_withheld = withheld
                self._record("complaint-withheld", None, after, None)
            else:
                after = self.file_complaint(after)
        return after

    def file_complaint(self, form: Screen) -> Screen:
        """Fill every free-text field (the canary text, or a test value by its label) and submit once."""
        self.complaint_filed = True
        for node in form.nodes:
            if node.editable:
                value = complaint_form.value_for(node, self.canary_text)
                if value:
                    self.device.type_text(node, value)
                    self._record("type", node, form, None)
        filled = self.device.screen()
        submit = complaint_form.submit_control(filled)
        if submit is None:
            self.walk.problems.append(f"complaint form at {form.key} lost its submit control")
            return filled
        self.device.tap(submit)
        self._settle()
        after = self.observe()
        self._record("submit", submit, filled, after)
        return after

    def back_to(self, target: Screen) -> bool:
        here = self.device.screen()
        if here.signature() == target.signature():
            return True
        self.device.back()
        self._settle()
        after = self.observe()
        self._record("back", None, here, after)
        return after.signature() == target.signature()

    def run_steps(self, steps: tuple[Step, ...]) -> None:
        for step in steps:
            before = self.observe()
            if step.wait is not None:
                time.sleep(step.wait)
                self.walk.waited_s += step.wait
                self._record("wait", None, before, None)
                continue
            if step.back:
                self.device.back()
            else:
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

    def explore(self, screen: Screen, depth: int, max_priority: int) -> bool:
        """Walk `screen`'s controls up to `max_priority`; False when the walk lost its way back."""
        self._explored.add(screen.signature())
        # Tabs are walked from the start screen only: from anywhere else they lead to the same places.
        candidates = sorted((n for n in screen.actionable() if tappable(n) and (depth == 1 or not n.in_tabbar)
                             and priority(n) <= max_priority), key=priority)
        for candidate in candidates:
            if not self._budget_left():
                return False
            where = "tabbar" if candidate.in_tabbar else screen.signature()
            key = (where, candidate.role, candidate.label or candidate.ref)
            if key in self._tried or key in self._in_place:
                continue
            # Apps re-render: act on the control as it is now, found again by role and label.
            now = self.device.screen()
            if now.signature() != screen.signature():
                return False
            node = next((n for n in now.nodes if (n.role, n.label) == (candidate.role, candidate.label)), candidate)
            self._tried.add(key)
            try:
                after = self.act(node, screen)
            except UiError as e:  # the control went away under us: note it and go on
                self.walk.problems.append(f"could not act on {node.label!r} at {screen.key}: {e}")
                continue
            if after.signature() == screen.signature():
                self._in_place.add(key)
                continue
            fresh = after.signature() not in self._explored and depth < self.settings.max_depth
            if fresh and not self.explore(after, depth + 1, max_priority):
                self._tried.discard(key)  # come back through here on the next pass
                self._explored.discard(after.signature())
            if not self.back_to(screen):
                return False
        return True

    def run(self, steps: tuple[Step, ...] = ()) -> Walk:
        self._deadline = self.clock() + self.settings.budget_s
        self._settle()  # let the start screen finish drawing before it is judged (Art. 5: 首屏)
        self.run_steps(steps)
        home = self.observe()
        # First every tab and every keyword control, then the rest. Each phase makes passes from the
        # start screen until one finishes, or the budget or the plateau ends the walk.
        for max_priority in (2, 3):
            # Each phase walks the paths again (tabs, entries) to reach the controls it adds.
            self._tried.clear()
            self._explored.clear()
            self._stale = 0
            while self._budget_left():
                if self.explore(home, 1, max_priority):
                    break
                try:
                    self.device.home()
                except UiError as e:
                    self.walk.problems.append(f"explorer stopped: {e}")
                    return self.walk
                self._settle()
                self._record("home", None, home, self.observe())
        return self.walk
