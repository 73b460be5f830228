"""The explorer on a fake device: an in-memory app with tabs, nested pages and traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.scenario import Explore, Step
from harness.errors import DeviceLost, UiError
from harness.ui.explorer import Explorer, priority
from harness.ui.tree import Screen, UiNode

# page → controls (role, text, target page or None)
APP: dict[str, list[tuple[str, str, str | None]]] = {
    "home": [("tab", "首页", "home"), ("tab", "服务", "services"), ("tab", "互动", "interact"), ("tab", "我的", "mine"),
             ("button", "新闻一", "news")],
    "services": [("button", "社保查询", "social"), ("button", "公积金", "fund")],
    "interact": [("button", "更多服务", "more")],
    "more": [("button", "意见反馈", "feedback")],
    "feedback": [("button", "我要投诉", "form")],
    "form": [("textarea", "诉求内容", None), ("input", "联系电话", None), ("button", "提交", "submitted"),
             ("file", "上传附件", None)],
    "mine": [("button", "退出登录", "login")],
    "news": [], "social": [], "fund": [], "submitted": [], "login": [],
}


Page = list[tuple[str, str, str | None]]
OUTSIDE = {"newtab": "chrome://new-tab-page/", "gov": "https://www.gov.cn/"}
"""Pages that are not the app: the browser's new-tab page, another host."""


class FakeDevice:
    """Follows its app (APP by default); back pops a history stack like a browser. A target starting with '='
    changes the page in place (same route, no history entry); 'page~variant' shares the route of 'page'."""

    id = "fake"

    def __init__(self, app: dict[str, Page] | None = None) -> None:
        self.app = app or APP
        self.history = ["home"]
        self.taps: list[str] = []
        self.files: list[Path] = []
        self.shots: list[Path] = []
        self.values: dict[str, str] = {}

    def screen(self) -> Screen:
        page = self.history[-1]
        if page in OUTSIDE:
            return Screen(key="/", title=page, nodes=(UiNode("x", "link", "新闻", clickable=True),),
                          outside=OUTSIDE[page])
        editable = ("textarea", "input")
        nodes = tuple(  # 'text|hint': an icon with an accessible name
            UiNode(ref=f"{page}:{i}", role=role,  # type: ignore[arg-type]
                   text=self.values.get(text, "") if role in editable else "" if role == "file" else
                   text.split("|")[0],
                   hint=text if role in ("file", *editable) else text.partition("|")[2],
                   clickable=role in ("tab", "button", "link", "select"), editable=role in editable,
                   in_tabbar=role == "tab")
            for i, (role, text, _) in enumerate(self.app[page]))
        return Screen(key=f"/#/{page.split('~')[0]}", title=page, nodes=nodes)

    def tap(self, node: UiNode) -> None:
        self.taps.append(node.label or node.ref)
        page = self.history[-1]
        if page in OUTSIDE:
            return
        target = next(t for i, (_, text, t) in enumerate(self.app[page]) if f"{page}:{i}" == node.ref)
        if target and target.startswith("="):
            self.history[-1] = target[1:]
        elif target and target != page:
            self.history.append(target)

    def choose_file(self, node: UiNode, path: Path) -> None:
        self.files.append(path)

    def type_text(self, node: UiNode, text: str) -> None:
        self.taps.append(f"type:{node.label}={text}")

    def back(self) -> None:
        if len(self.history) > 1:
            self.history.pop()

    def home(self) -> None:
        self.history = ["home"]

    def settle(self, timeout: float) -> None:
        return

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(b"png")
        self.shots.append(path)
        return path


def walk(tmp_path: Path, device: FakeDevice, **settings: float) -> Explorer:
    explorer = Explorer(device, Explore(settle_s=0, **settings), tmp_path / "canary.jpg", tmp_path / "screens")  # type: ignore[arg-type]
    explorer.run()
    return explorer


def test_visits_every_tab_and_reaches_a_deep_complaint_form(tmp_path: Path) -> None:
    device = FakeDevice()
    explorer = walk(tmp_path, device)
    keys = {v.as_screen().key for v in explorer.walk.screens}
    assert {"/#/services", "/#/interact", "/#/mine", "/#/form"} <= keys  # 互动 → 更多服务 → 意见反馈 → 我要投诉
    assert {"服务", "互动", "我的"} <= set(device.taps)
    assert len(device.shots) == len(explorer.walk.screens)
    edges = {(a.kind, a.label) for a in explorer.walk.actions}
    assert ("tap", "我要投诉") in edges


def test_never_submits_or_logs_out(tmp_path: Path) -> None:
    device = FakeDevice()
    walk(tmp_path, device)
    assert "提交" not in device.taps
    assert "退出登录" not in device.taps


def test_files_one_canary_complaint_when_given_a_canary_text(tmp_path: Path) -> None:
    device = FakeDevice()
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert "type:诉求内容=指尖检测金丝雀beef01" in device.taps
    assert "type:联系电话=13800138000" in device.taps  # a test number, not the canary, in a phone field
    assert device.taps.count("提交") == 1
    assert [a.kind for a in explorer.walk.actions].count("submit") == 1
    assert "退出登录" not in device.taps


@pytest.mark.parametrize("gate", [None, lambda: "设备发出的探测请求未到达采集代理"])
def test_withholds_the_complaint_without_proof_that_traffic_goes_through_the_proxy(tmp_path: Path, gate) -> None:
    device = FakeDevice()
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=gate)
    explorer.run()
    assert not any(t.startswith("type:") for t in device.taps) and "提交" not in device.taps
    assert explorer.walk.complaint_withheld
    assert [a.kind for a in explorer.walk.actions].count("complaint-withheld") == 1


def test_answers_file_pickers_with_the_canary(tmp_path: Path) -> None:
    device = FakeDevice()
    walk(tmp_path, device)
    assert device.files == [tmp_path / "canary.jpg"]


def test_priority_tabs_then_complaint_then_features_then_the_rest() -> None:
    nodes = [UiNode("1", "button", "社保查询", clickable=True),
             UiNode("2", "button", "每日签到", clickable=True),
             UiNode("3", "button", "投诉建议", clickable=True),
             UiNode("4", "tab", "首页", clickable=True, in_tabbar=True)]
    assert [n.text for n in sorted(nodes, key=priority)] == ["首页", "投诉建议", "每日签到", "社保查询"]


@pytest.mark.parametrize("max_actions", [1, 3])
def test_stops_at_the_action_budget(tmp_path: Path, max_actions: int) -> None:
    device = FakeDevice()
    explorer = walk(tmp_path, device, max_actions=max_actions)
    assert sum(a.kind in ("tap", "file") for a in explorer.walk.actions) == max_actions


def test_scripted_steps_run_first(tmp_path: Path) -> None:
    device = FakeDevice()
    explorer = Explorer(device, Explore(settle_s=0, max_actions=1), tmp_path / "c.jpg", tmp_path / "s")  # type: ignore[arg-type]
    explorer.run((Step(tap="互动"), Step(tap="更多服务"), Step(tap="不存在的按钮")))
    assert device.taps[:2] == ["互动", "更多服务"]
    assert any("不存在的按钮" in p for p in explorer.walk.problems)


class FlakyControls(FakeDevice):
    """Every control of the 服务 tab has gone away by the time it is tapped."""

    def tap(self, node: UiNode) -> None:
        if self.history[-1] == "services":
            raise UiError(self.id, f"control {node.label!r} is gone from the page")
        super().tap(node)


class LostMidWalk(FakeDevice):
    def tap(self, node: UiNode) -> None:
        if len(self.taps) >= 3:
            raise DeviceLost(self.id, "tap: the browser, its driver or the device is gone")
        super().tap(node)


def test_a_ui_error_is_noted_and_the_walk_goes_on(tmp_path: Path) -> None:
    device = FlakyControls()
    explorer = walk(tmp_path, device, budget_s=20, max_actions=40)
    assert any("is gone from the page" in p for p in explorer.walk.problems)
    assert "我的" in device.taps  # other tabs were still walked after the failures


def test_a_lost_device_ends_the_walk_for_the_session_to_retry(tmp_path: Path) -> None:
    with pytest.raises(DeviceLost):
        walk(tmp_path, LostMidWalk(), budget_s=20, max_actions=40)


# ── staying inside the app ────────────────────────────────────────────────────────────────────
STAYS: dict[str, Page] = {
    "home": [("tab", "首页", "home"), ("tab", "我的", "mine"), ("button", "展开更多", "=home~more"),
             ("link", "中国政府网", "gov")],
    "home~more": [("tab", "首页", "home"), ("tab", "我的", "mine"), ("button", "收起", "=home"),
                  ("link", "中国政府网", "gov")],
    "mine": [("button", "关于我们", "about")], "about": [],
}


class BrowserHistory(FakeDevice):
    """Back at the first history entry goes where a browser goes: its own new-tab page."""

    def __init__(self, app: dict[str, Page]) -> None:
        super().__init__(app)
        self.left: list[str] = []

    def back(self) -> None:
        if len(self.history) == 1:
            self.left.append(self.history[0])
            self.history = ["newtab"]
        else:
            self.history.pop()


def test_back_at_the_entry_never_leaves_the_app(tmp_path: Path) -> None:
    # 展开更多 changes the start screen in place: going back to the start from there must not press back.
    device = BrowserHistory(STAYS)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s")  # type: ignore[arg-type]
    explorer.run((Step(back=True),))  # a scripted back at the entry too
    assert device.left == []
    assert all(not v.screen.get("outside") and v.screen["title"] != "newtab" for v in explorer.walk.screens)
    assert {"展开更多", "我的", "关于我们"} <= set(device.taps)


def test_a_page_outside_the_apps_hosts_is_left_at_once_and_never_recorded(tmp_path: Path) -> None:
    device = BrowserHistory(STAYS)
    explorer = walk(tmp_path, device)
    assert "中国政府网" in device.taps
    assert not [v for v in explorer.walk.screens if v.screen.get("outside") or v.screen["title"] == "gov"]
    assert "新闻" not in device.taps  # nothing on the outside page was explored
    assert any("https://www.gov.cn/" in n for n in explorer.walk.notes)
    assert {"我的", "关于我们"} <= set(device.taps)  # and the walk went on inside the app


class ClosesWindows(FakeDevice):
    """A device that closed a window the app opened on a foreign host, and says so."""

    def __init__(self) -> None:
        super().__init__()
        self.notes = ["关闭了应用打开的新窗口（不在应用的主机内）：https://www.gov.cn/"]

    def take_notes(self) -> list[str]:
        notes, self.notes = self.notes, []
        return notes


def test_what_the_device_did_to_stay_inside_is_noted(tmp_path: Path) -> None:
    explorer = walk(tmp_path, ClosesWindows())
    assert explorer.walk.notes == ["关闭了应用打开的新窗口（不在应用的主机内）：https://www.gov.cn/"]


# ── coverage first ────────────────────────────────────────────────────────────────────────────
FORM: dict[str, Page] = {
    "home": [("tab", "首页", "home"), ("tab", "办事", "form"), ("tab", "我的", "mine"),
             ("button", "政策解读", "policy")],
    "form": [("input", "备注", None), ("select", "选择区县", "pick:区县"), ("button", "选择日期", "pick:日期"),
             *[("button", f"选项{i}", f"pick:选项{i}") for i in range(12)], ("button", "提交", "done")],
    "mine": [("button", "关于我们", "about")], "about": [], "policy": [], "done": [],
}


class Picker(FakeDevice):
    """Every choice in the form shows the picked value in its field: a new signature after each tap."""

    def tap(self, node: UiNode) -> None:
        page = self.history[-1]
        target = next((t for i, (_, _, t) in enumerate(self.app.get(page, [])) if f"{page}:{i}" == node.ref), None)
        if target and target.startswith("pick:"):
            self.taps.append(node.label)
            self.values["备注"] = f"{target[5:]}{len(self.taps)}"
            return
        super().tap(node)


def test_a_form_is_tried_once_and_left_and_the_start_screen_is_covered_first(tmp_path: Path) -> None:
    device = Picker(FORM)
    explorer = walk(tmp_path, device, max_actions=30)
    assert {"办事", "我的", "政策解读", "关于我们"} <= set(device.taps)  # not eaten by the form
    form_controls = ["选择区县", "选择日期", *[f"选项{i}" for i in range(12)]]
    assert all(device.taps.count(label) <= 1 for label in form_controls)  # no control twice without a reason
    assert device.taps.count("选择区县") == 1  # the select handled once
    assert "提交" not in device.taps
    assert explorer.walk.coverage is not None and explorer.walk.coverage.tabs_tried == explorer.walk.coverage.tabs_seen


FLOOD: dict[str, Page] = {
    "home": [("tab", "首页", "home"), ("tab", "服务", "services"), ("tab", "我的", "mine")],
    "services": [*[("file", "", None)] * 25, *[("button", "›", None)] * 25, ("button", "考勤打卡", "checkin")],
    "mine": [("button", "关于", "about")], "checkin": [], "about": [],
}


def test_unlabeled_controls_are_ranked_last_and_a_check_in_button_behind_a_flood_of_them_is_tapped(
        tmp_path: Path) -> None:
    device = FakeDevice(FLOOD)
    explorer = walk(tmp_path, device, max_actions=20)
    assert "考勤打卡" in device.taps
    coverage = explorer.walk.coverage
    assert coverage is not None
    assert "考勤打卡" not in coverage.untried and coverage.purpose_tried >= 1
    assert coverage.unlabeled_seen >= 26 and coverage.unlabeled_tried <= 3  # a few per screen, after the rest
    assert coverage.controls_tried < coverage.controls_seen and coverage.screens >= 4
    assert len(device.files) <= 3


# ── ways into a complaint place are not submissions; pay / delete / confirm never are ────────────
ENTRIES: dict[str, Page] = {
    "home": [("tab", "首页", "home"), ("tab", "我的", "mine"), ("link", "去提交诉求", "form"),
             ("button", "我要说（提交诉求）", "form2"), ("link", "去支付", "paid"), ("button", "Pay now", "paid"),
             ("button", "Confirm payment", "paid"), ("button", "Delete account", "gone"),
             ("link", "Submit feedback", "form3"), ("button", "🗑|删除", "gone")],
    "form": [("textarea", "诉求内容", None), ("button", "提交诉求", "sent"), ("link", "去提交留言", "sent")],
    "form2": [("textarea", "诉求内容", None), ("button", "我要提交", "sent")],
    "form3": [("textarea", "Message", None), ("button", "Submit", "sent")],
    "mine": [], "paid": [], "gone": [], "sent": [],
}


def test_complaint_entries_phrased_with_submit_are_walked_but_nothing_is_submitted_paid_or_deleted(
        tmp_path: Path) -> None:
    device = FakeDevice(ENTRIES)
    explorer = walk(tmp_path, device)
    assert {"去提交诉求", "我要说（提交诉求）", "Submit feedback"} <= set(device.taps)  # ways in, outside any form
    assert {"/#/form", "/#/form2", "/#/form3"} <= {v.as_screen().key for v in explorer.walk.screens}
    never = {"提交诉求", "我要提交", "Submit", "去支付", "Pay now", "Confirm payment", "Delete account", "🗑",
             "去提交留言"}  # the last inside a form: there it files, whatever its phrasing
    assert not never & set(device.taps)


# ── icon-only controls are ranked by their accessible name ───────────────────────────────────
ICONS: dict[str, Page] = {
    "home": [("tab", "首页", "home"), *[("button", "›", None)] * 6, ("button", "💬|意见反馈", "feedback")],
    "feedback": [("button", "我的反馈", "list")], "list": [],
}


def test_an_icon_named_as_a_complaint_entry_is_tried_before_unnamed_icons(tmp_path: Path) -> None:
    device = FakeDevice(ICONS)
    explorer = walk(tmp_path, device, max_actions=6)
    assert "💬" in device.taps and device.taps.index("💬") <= 1  # right after the tab, before any ›
    assert "/#/feedback" in {v.as_screen().key for v in explorer.walk.screens}
    assert priority(UiNode("1", "button", "✎", "意见反馈", clickable=True)) < \
        priority(UiNode("2", "button", "›", clickable=True))


# ── the tracking place is looked at again after the dwell ─────────────────────────────────────
TRACKED: dict[str, Page] = {
    "home": [("tab", "首页", "home"), ("tab", "互动", "interact"), ("tab", "办事", "services")],
    "interact": [("button", "我要留言", "form"), ("button", "我的留言", "list")],
    "form": [("textarea", "留言内容", None), ("button", "提交", "done")],
    "services": [*[("button", f"事项{i}", f"item{i}") for i in range(4)]],
    "list": [], "done": [], **{f"item{i}": [] for i in range(4)},
}


class RepliesLater(FakeDevice):
    """The complaint list shows the canary pending; once `replied` (after the dwell) its reply and rating."""

    def __init__(self, app: dict[str, Page] = TRACKED) -> None:
        super().__init__(app)
        self.sent = ""
        self.replied = False

    def type_text(self, node: UiNode, text: str) -> None:
        super().type_text(node, text)
        self.sent = text

    def screen(self) -> Screen:
        screen = super().screen()
        if self.history[-1] != "list" or not self.sent:
            return screen
        if self.replied:
            return Screen(screen.key, screen.title, (*screen.nodes, UiNode("r", "button", "去评价", clickable=True)),
                          (self.sent, "已回复", "回复内容：已转交相关部门"))
        return Screen(screen.key, screen.title, screen.nodes, (self.sent, "处理中"))


@pytest.mark.parametrize("list_control", ["我的留言", "往期记录"])  # the latter known only by listing the canary
def test_after_the_dwell_the_complaint_list_is_revisited_and_a_late_reply_with_its_rating_is_seen(
        tmp_path: Path, list_control: str) -> None:
    device = RepliesLater({**TRACKED, "interact": [("button", "我要留言", "form"), ("button", list_control, "list")]})
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert explorer.submitted
    device.replied = True  # the reply came during the dwell
    explorer.revisit()
    last = explorer.walk.screens[-1].as_screen()
    assert last.key == "/#/list" and "已回复" in last.texts and "去评价" in {n.label for n in last.nodes}
    submit_t = next(a.t for a in explorer.walk.actions if a.kind == "submit")
    assert [a for a in explorer.walk.actions if a.kind == "tap" and a.label == list_control and a.t >= submit_t]
    assert "去评价" not in device.taps  # seen, not used


def test_without_a_submitted_complaint_nothing_is_revisited(tmp_path: Path) -> None:
    device = RepliesLater()
    explorer = walk(tmp_path, device)
    taps = len(device.taps)
    explorer.revisit()
    assert len(device.taps) == taps


# ── a dialog covering the page is closed before the walk goes on behind it ───────────────────
class Dialog(FakeDevice):
    """A dialog over the start page (on every load): its controls alone can be reached; the page's are covered.
    `closes` says what ends it: a control of the dialog (by label) or Escape."""

    def __init__(self, dialog: Page, closes: str) -> None:
        super().__init__(APP)
        self.dialog, self.closes, self.open = dialog, closes, True
        self.escapes = 0

    def screen(self) -> Screen:
        screen = super().screen()
        if not (self.open and self.history[-1] == "home"):
            return screen
        covered = tuple(UiNode(n.ref, n.role, n.text, n.hint, n.clickable, n.editable, n.in_tabbar, covered=True)
                        for n in screen.nodes)
        dialog = tuple(UiNode(f"dialog:{i}", role, text, clickable=True)  # type: ignore[arg-type]
                       for i, (role, text, _) in enumerate(self.dialog))
        return Screen(screen.key, screen.title, (*covered, *dialog), ("请先阅读以下提示",))

    def tap(self, node: UiNode) -> None:
        if node.ref.startswith("dialog:"):
            self.taps.append(node.label)
            self.open = self.open and node.label != self.closes
            return
        if self.open and self.history[-1] == "home":
            self.taps.append(f"covered:{node.label}")  # a finger lands on the dialog
            return
        super().tap(node)

    def dismiss(self) -> None:
        self.escapes += 1
        self.open = self.open and self.closes != "Escape"

    def home(self) -> None:
        super().home()
        self.open = True


@pytest.mark.parametrize(("dialog", "closes"), [
    ([("button", "我知道了", None)], "我知道了"),
    ([("button", "不同意", None), ("button", "同意并继续", None)], "同意并继续"),
    ([("button", "×", None), ("button", "查看详情", None)], "×"),
    ([("button", "查看详情", None)], "Escape"),
    ([("button", "立即签到打卡", None)], "立即签到打卡"),  # no way out but its own action: tried, then behind it
])
def test_a_blocking_dialog_is_closed_and_the_page_behind_it_is_walked(
        tmp_path: Path, dialog: Page, closes: str) -> None:
    device = Dialog(dialog, closes)
    explorer = walk(tmp_path, device)
    assert not [t for t in device.taps if t.startswith("covered:")]  # nothing tapped through the dialog
    keys = {v.as_screen().key for v in explorer.walk.screens}
    assert {"/#/services", "/#/interact", "/#/mine", "/#/form"} <= keys
    assert "不同意" not in device.taps


class SamePageTwice(FakeDevice):
    """A multi-page site whose start page is also served as /index.html (the header links of its pages go
    there): one page under two addresses."""

    def screen(self) -> Screen:
        screen = super().screen()
        page = self.history[-1]
        return Screen(key="/index.html" if page == "index" else screen.key,
                      title="首页" if page in ("home", "index") else screen.title, nodes=screen.nodes)


def test_one_page_under_two_addresses_is_walked_once(tmp_path: Path) -> None:
    links: Page = [("link", "积分榜", "rank"), ("link", "帮扶走访", "visit"), ("link", "在线学习", "study")]
    app: dict[str, Page] = {
        "home": links, "index": links,
        "visit": [("link", "‹ 帮扶走访", "index"), ("button", "开始走访", None)],
        "rank": [("link", "‹ 积分榜", "index")], "study": [("link", "‹ 在线学习", "index")],
    }
    device = SamePageTwice(app)
    walk(tmp_path, device)
    assert "开始走访" in device.taps
    assert all(device.taps.count(label) <= 2 for label in ("积分榜", "帮扶走访", "在线学习")), device.taps


class ConfirmingDevice(FakeDevice):
    """Answers the app's native confirm boxes as told (the web device's accept_confirms)."""

    def __init__(self, app: dict[str, Page]) -> None:
        super().__init__(app)
        self.confirms: list[tuple[bool, tuple[str, ...]]] = []

    def accept_confirms(self, accept: bool) -> None:
        self.confirms.append((accept, tuple(self.taps)))


def test_the_complaint_alone_is_confirmed_native_box_and_drawn_dialog_alike(tmp_path: Path) -> None:
    app = {**APP, "form": [("textarea", "诉求内容", None), ("button", "提交", "确认提交？")],
           "确认提交？": [("button", "取消", "form"), ("button", "确定", "submitted")],
           "news": [("button", "清空缓存", "确认清空？")],
           "确认清空？": [("button", "取消", None), ("button", "确定", "login")]}
    device = ConfirmingDevice(app)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    armed, disarmed = device.confirms  # on for the submit tap only, off right after it
    assert armed[0] is True and disarmed[0] is False and disarmed[1][len(armed[1]):] == ("提交",)
    assert device.taps.count("确定") == 1  # the app's own 确认提交？ dialog, once; never the 确认清空？ one
    assert "/#/submitted" in {v.as_screen().key for v in explorer.walk.screens}
    assert [a.label for a in explorer.walk.actions if a.kind == "submit"] == ["提交", "确定"]


def test_the_filed_complaint_is_followed_up_and_looked_up_by_its_number_now_and_after_the_dwell(
        tmp_path: Path) -> None:
    app = {**APP,
           "home": [*APP["home"], ("link", "意见办理查询", "lookup")],
           "form": [("textarea", "诉求内容", None), ("button", "提交", "submitted")],
           "submitted": [("text", "提交成功，查询码：YJ-123456", None), ("link", "查询办理情况", "lookup")],
           "lookup": [("input", "查询码", None), ("button", "查询", "result")],
           "result": [("text", "状态：办理中", None)]}
    device = FakeDevice(app)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert explorer.acceptance == "YJ-123456"
    after_submit = device.taps[device.taps.index("提交"):]
    assert after_submit[1:4] == ["查询办理情况", "type:查询码=YJ-123456", "查询"]  # at once, from the confirmation
    explorer.revisit()  # after the dwell: by the way in from the start screen, the number typed again
    assert device.taps[-3:] == ["意见办理查询", "type:查询码=YJ-123456", "查询"]
    assert not any("revisit" in p for p in explorer.walk.problems)


def test_the_forms_own_submit_is_the_one_after_its_fields_not_a_tab_named_like_it(tmp_path: Path) -> None:
    app = {**APP, "form": [("button", "提交诉求", None), ("button", "诉求查询", "news"),
                           ("textarea", "诉求内容", None), ("button", "提交", "submitted")]}
    device = FakeDevice(app)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert [a.label for a in explorer.walk.actions if a.kind == "submit"] == ["提交"]


def test_without_a_screenshot_folder_the_walk_takes_none(tmp_path: Path) -> None:
    device = FakeDevice()
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", None)  # type: ignore[arg-type]
    explorer.run()
    assert explorer.walk.screens and not device.shots
    assert all(v.screenshot is None for v in explorer.walk.screens)


class WithHeader(FakeDevice):
    """Every page starts with the app's header (⌂ and ☺ icons, each always at its place); the rest of a page
    lies below it."""

    def screen(self) -> Screen:
        from dataclasses import replace

        screen = super().screen()
        nodes = tuple(replace(n, bounds=(0, 0, 40, 40) if i == 0 else (350, 0, 390, 40) if i == 1 else
                              (0, 60 * i, 390, 60 * i + 40)) for i, n in enumerate(screen.nodes))
        return Screen(key=screen.key, title=screen.title, nodes=nodes, texts=screen.texts)


def test_the_apps_header_on_every_page_is_tried_once_not_on_every_page(tmp_path: Path) -> None:
    header: Page = [("link", "⌂|首页", "home"), ("link", "☺|我的", "me")]
    app: dict[str, Page] = {
        "home": [*header, ("link", "办事大厅", "hall"), ("link", "政策解读", "policy")],
        "me": [*header, ("link", "关于我们", "about"), ("link", "我的收藏", "fav")],
        "about": [*header, ("link", "备案信息", "filing"), ("link", "用户协议", "terms")],
        "filing": header, "hall": header, "policy": header, "fav": header, "terms": header,
    }
    device = WithHeader(app)
    walk(tmp_path, device, max_actions=20)
    assert "备案信息" in device.taps
    assert device.taps.count("⌂") <= 2 and device.taps.count("☺") <= 3, device.taps  # survey, and ways in to 我的


def test_only_the_submits_own_form_is_filled_not_a_lookup_form_beside_it() -> None:
    from harness.ui import complaint_form

    def field(text: str) -> UiNode:
        return UiNode(ref=text, role="input", text="", hint=text, editable=True)

    def press(text: str) -> UiNode:
        return UiNode(ref=text, role="button", text=text, clickable=True)

    letter = [field("来信内容"), field("手机号"), press("提交来信")]
    lookup = [field("手机号"), field("信件编号"), press("查询")]
    for nodes in ([press("市民来信"), *letter, *lookup], [*lookup, *letter]):
        screen = Screen(key="/", title="市民来信", nodes=tuple(nodes))
        own = complaint_form.own_fields(screen)
        assert [n.hint for n in own] == ["来信内容", "手机号"] and all(n in letter for n in own)


class ModalConfirm(FakeDevice):
    """Submitting opens the app's own modal <dialog> (Confirm / Cancel) over the form."""

    def screen(self) -> Screen:
        if self.history[-1] != "ask":
            return super().screen()
        self.history[-1] = "form"
        form = super().screen()
        self.history[-1] = "ask"
        covered = tuple(UiNode(n.ref, n.role, n.text, n.hint, n.clickable, n.editable, covered=True)
                        for n in form.nodes)
        dialog = (UiNode("ask:0", "button", "Cancel", clickable=True),
                  UiNode("ask:1", "button", "Confirm", clickable=True))
        return Screen(key=form.key, title=form.title, nodes=covered + dialog, texts=("Submit this feedback?",))

    def tap(self, node: UiNode) -> None:
        if node.ref.startswith("ask:"):
            self.taps.append(node.label)
            self.history[-1] = "submitted" if node.label == "Confirm" else "form"
            return
        super().tap(node)


def test_a_modal_asking_to_confirm_the_submission_is_confirmed_not_closed(tmp_path: Path) -> None:
    app = {**APP, "form": [("textarea", "Your feedback", None), ("button", "Submit", "ask")], "ask": []}
    device = ModalConfirm(app)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert "Confirm" in device.taps and "Cancel" not in device.taps[:device.taps.index("Confirm")]
    assert [a.label for a in explorer.walk.actions if a.kind == "submit"] == ["Submit", "Confirm"]


def test_a_wizard_is_walked_forward_before_back(tmp_path: Path) -> None:
    app: dict[str, Page] = {
        "home": [("button", "开始填报", "step1")],
        "step1": [("button", "上一步", "home"), ("button", "下一步", "step2")],
        "step2": [("link", "‹ 返回", "step1"), ("button", "下一步", "step3")],
        "step3": [("button", "上一步", "step2"), ("button", "查看回执", None)],
    }
    device = FakeDevice(app)
    walk(tmp_path, device, max_actions=6)
    assert "查看回执" in device.taps, device.taps
    assert device.taps.index("下一步") < device.taps.index("上一步")


class Tiles(FakeDevice):
    """Draws each control where its index puts it, as a real screen does (the start screen's chrome is known by
    place); the position is followed once a page whose name ends with 'duty' shows."""

    def screen(self) -> Screen:
        screen = super().screen()
        nodes = tuple(UiNode(n.ref, n.role, n.text, n.hint, n.clickable, n.editable, n.in_tabbar, n.covered,
                             (0, 100 * i, 390, 100 * i + 80)) for i, n in enumerate(screen.nodes))
        return Screen(screen.key, screen.title, nodes, screen.texts, watching=self.history[-1].endswith("duty"))


DUTY: dict[str, Page] = {  # every tile locked (says so in place) until 开始值班 unlocks the same tiles in place
    "home": [("button", "开始值班", "=home~duty"), ("button", "叫号队列", None), ("button", "政策速查", None)],
    "home~duty": [("button", "值班中", None), ("button", "叫号队列", "queue"), ("button", "政策速查", "policy")],
    "queue": [], "policy": [],
}


def test_tiles_a_start_button_unlocks_in_place_are_tried_again_and_the_walk_stays_while_the_position_is_followed(
        tmp_path: Path) -> None:
    device = Tiles(DUTY)
    explorer = walk(tmp_path, device, linger_s=0.05)
    keys = {v.as_screen().key for v in explorer.walk.screens}
    assert {"/#/queue", "/#/policy"} <= keys, device.taps  # the unlocked tiles, not taken for the start's chrome
    waits = [a for a in explorer.walk.actions if a.kind == "wait"]
    assert len(waits) == 1 and explorer.walk.waited_s >= 0.05  # once per run, though 开始值班 is tapped again
    assert any("开始持续获取位置" in n for n in explorer.walk.notes)


class StepByStep(FakeDevice):
    """A complaint given in steps: 下一步 refuses to move on while the step's field is empty, as apps do."""

    def type_text(self, node: UiNode, text: str) -> None:
        super().type_text(node, text)
        self.values[node.hint] = text

    def tap(self, node: UiNode) -> None:
        page = self.history[-1]
        empty = [t for role, t, _ in self.app.get(page, []) if role in ("input", "textarea") and not self.values.get(t)]
        if node.label == "下一步" and empty:
            self.taps.append(node.label)
            return
        super().tap(node)


WIZARD: dict[str, Page] = {
    "home": [("button", "开始举报", "kind"), ("button", "查看进度", "list")],
    "kind": [("select", "问题类型", None), ("button", "下一步", "where")],
    "where": [("input", "问题地址", None), ("button", "上一步", "kind"), ("button", "下一步", "what")],
    "what": [("textarea", "问题描述", None), ("input", "联系电话", None), ("button", "下一步", "sure")],
    "sure": [("button", "上一步", "what"), ("button", "提交", "done")],
    "done": [], "list": [],
}


def test_a_complaint_given_in_steps_is_filled_step_by_step_and_submitted_once(tmp_path: Path) -> None:
    device = StepByStep(WIZARD)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "")
    explorer.run()
    assert {"type:问题地址=指尖检测金丝雀beef01", "type:问题描述=指尖检测金丝雀beef01",
            "type:联系电话=13800138000"} <= set(device.taps)
    assert device.taps.count("提交") == 1 and explorer.submitted
    assert "/#/done" in {v.as_screen().key for v in explorer.walk.screens}


def test_a_complaint_wizard_is_not_typed_into_when_the_gate_withholds_it(tmp_path: Path) -> None:
    device = StepByStep(WIZARD)
    explorer = Explorer(device, Explore(settle_s=0), tmp_path / "c.jpg", tmp_path / "s",  # type: ignore[arg-type]
                        canary_text="指尖检测金丝雀beef01", complaint_gate=lambda: "不允许真实提交")
    explorer.run()
    assert not [t for t in device.taps if t.startswith("type:")] and "提交" not in device.taps
    assert explorer.walk.complaint_withheld == "不允许真实提交"


DRAWER = ("巡查打卡", "排行榜", "事件上报", "关于")
DRAWN: dict[str, Page] = {  # pages swapped in place under a drawer drawn alike on each
    "home": [*[("button", d, f"=home~{i}") for i, d in enumerate(DRAWER)], ("button", "今日任务", None)],
    **{f"home~{i}": [*[("button", d, f"=home~{j}") for j, d in enumerate(DRAWER)], ("button", f"功能{i}", None)]
       for i in range(len(DRAWER))},
}


def test_a_drawers_items_that_led_somewhere_stay_the_apps_chrome_on_every_page_it_draws(tmp_path: Path) -> None:
    device = Tiles(DRAWN)
    walk(tmp_path, device, max_actions=40)
    assert {f"功能{i}" for i in range(len(DRAWER))} <= set(device.taps)
    assert all(device.taps.count(d) <= 2 for d in DRAWER), device.taps  # a survey try and a way back in
