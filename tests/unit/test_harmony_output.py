"""HarmonyOS NEXT outputs (tests/data/harmony) parsed into data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.devices.harmony import output as out

DATA = Path(__file__).resolve().parents[1] / "data" / "harmony"
BUNDLE = "com.fingertip.harmony"


def text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_targets_and_their_states() -> None:
    assert out.parse_targets(text("list_targets_v.txt")) == {
        "127.0.0.1:5555": "Connected", "FMR0223C13000649": "Offline", "3TR0224A15004411": "Unauthorized"}
    assert out.parse_targets("[Empty]\n") == {}
    assert out.parse_targets("127.0.0.1:5555\n") == {"127.0.0.1:5555": "Connected"}


@pytest.mark.parametrize(("name", "ok", "code", "incompatible"), [
    ("install_ok.txt", True, "", False),
    ("install_api.txt", False, "9568297", True),
    ("install_abi.txt", False, "9568347", True),
    ("install_sign.txt", False, "9568332", False),
    ("install_nosign.txt", False, "9568320", False),
    ("install_untrusted.txt", False, "9568322", False),
    # "compatible" in the message, yet a packaging fault: judged by code, never by words
    ("install_min_compatible.txt", False, "9568280", False),
    ("install_missing_ability.txt", False, "9568339", False),
])
def test_install_results(name: str, ok: bool, code: str, incompatible: bool) -> None:
    outcome = out.parse_install(text(name))
    assert (outcome.ok, outcome.reason, out.incompatible(outcome)) == (ok, code, incompatible)


def test_bm_install_with_the_code_and_the_message_on_their_own_lines() -> None:
    outcome = out.parse_install("error: failed to install bundle.\ncode:9568407\nerror: installing the native "
                                "package failed\n")
    assert (outcome.reason, outcome.message) == ("9568407", "installing the native package failed")


def test_main_ability_from_bm_dump() -> None:
    info = out.bundle_info(text("bm_dump.txt"))
    assert info["applicationInfo"]["apiTargetVersion"] == 12
    assert out.main_ability(info) == ("entry", "EntryAbility")
    assert out.bundle_info("error: bundle does not exist\n") == {}


def test_foreground_ability_from_aa_dump() -> None:
    assert out.foreground_abilities(text("aa_dump_l.txt")) == [(BUNDLE, "EntryAbility")]


def test_faultlogger_files_of_the_app_since_the_run_began() -> None:
    js = "jscrash-com.fingertip.harmony-20020100-20261123101502.log"
    crash = out.faultlog_crash(js, text(js), BUNDLE, since=0, utc_offset_s=8 * 3600)
    assert crash is not None
    assert (crash.kind, crash.pid, crash.source) == ("crash", 6210, "faultlog:jscrash")
    assert crash.summary == "TypeError: Cannot read property latitude of undefined"
    assert crash.t == pytest.approx(1795400102.13)
    freeze = "appfreeze-com.fingertip.harmony-20020100-20261123101610.log"
    frozen = out.faultlog_crash(freeze, text(freeze), BUNDLE, utc_offset_s=8 * 3600)
    assert frozen is not None and (frozen.kind, frozen.summary) == ("anr", "APP_FREEZE：THREAD_BLOCK_6S")
    other = "cppcrash-com.other.app-20020200-20261123090000123.log"
    assert out.faultlog_crash(other, text(other), BUNDLE) is None
    assert out.faultlog_crash(js, text(js), BUNDLE, since=1795400102 + 60, utc_offset_s=8 * 3600) is None


def test_dump_layout_becomes_the_explorers_screen() -> None:
    layout = json.loads(text("layout.json"))
    screen = out.screen_from_layout(layout)
    assert screen.key == "com.fingertip.harmony/EntryAbility#pages/Complaint"
    assert screen.title == "投诉建议"
    by_label = {n.label: n for n in screen.nodes}
    assert by_label["请输入投诉内容"].role == "input"
    assert by_label["13812345678"].role == "textarea"
    assert by_label["提交"].role == "button" and by_label["提交"].bounds == (48, 760, 1212, 880)
    assert by_label["匿名"].role == "checkbox"
    assert by_label["查看进度"].role == "button"
    assert {n.label for n in screen.nodes if n.in_tabbar} == {"首页", "我的"}
    assert "不可用" not in by_label
    assert "备案编号：京ICP备12345678号-5A" in screen.texts
    assert "10:15" not in screen.texts and "隐藏" not in screen.texts


def test_the_input_methods_window_is_not_app_ui() -> None:
    """uitest dumps the keyboard as a window of its own (`com.huawei.hmos.inputmethod`): its keys are no controls."""
    layout = json.loads(text("layout.json"))
    keyboard = {"attributes": {"bundleName": "com.huawei.hmos.inputmethod", "type": "root",
                               "bounds": "[0,1800][1260,2720]"},
                "children": [{"attributes": {"type": "Button", "text": key, "clickable": "true",
                                             "bounds": "[0,2000][120,2100]"}, "children": []} for key in ("确定", "q")]}
    screen = out.screen_from_layout({**layout, "children": [*layout.get("children", []), keyboard]})
    assert not {"确定", "q"} & {n.label for n in screen.nodes}
    assert out.layout_key({"attributes": {}, "children": [keyboard, *layout.get("children", [])]}) == \
        "com.fingertip.harmony/EntryAbility#pages/Complaint"


def test_lock_gallery_and_listing_answers() -> None:
    # aa's 10106102 as real runs print it; a gallery uri per mediatool.md; toybox ls refusing a folder
    assert out.screen_locked("error: failed to start ability.\nError Code:10106102  Error Message:The device screen "
                             "is locked during the application launch, unlock screen failed.\n")
    assert not out.screen_locked("start ability successfully.\n")
    assert out.media_uri("file://media/Photo/3/IMG_1721381297_001/MyImage.jpg\n") == \
        "file://media/Photo/3/IMG_1721381297_001/MyImage.jpg"
    assert out.media_uri("") is None and out.media_uri("[FAIL] uri invalid.\n") is None
    assert out.listing_refused("ls: /data/log/faultlog/faultlogger: Permission denied\n")
    assert not out.listing_refused("jscrash-com.a-20020100-20261123101502.log\n")
