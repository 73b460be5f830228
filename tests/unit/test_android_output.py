"""Android's outputs, written from AOSP sources in the formats of real captures (tests/data/android; real
captures by others are read by test_device_outputs.py), parsed into data."""

from __future__ import annotations

import pytest

from harness.devices.android import output as out
from harness.devices.common.crash import utc_offset
from tests.fakes.android_phone import recorded

PACKAGE = "gov.fingertip.sample"


@pytest.mark.parametrize(("name", "reason", "message_part"), [
    ("install_older_sdk.txt", "INSTALL_FAILED_OLDER_SDK", "Requires newer sdk version #34"),
    ("install_no_abis.txt", "INSTALL_FAILED_NO_MATCHING_ABIS", "res=-113"),
    ("install_update_incompatible.txt", "INSTALL_FAILED_UPDATE_INCOMPATIBLE", "signatures do not match"),
    ("install_no_certificates.txt", "INSTALL_PARSE_FAILED_NO_CERTIFICATES", "Failed collecting certificates"),
    ("install_exception.txt", "EXCEPTION", "Can't open file: /data/local/tmp/missing.apk"),
])
def test_install_failures_keep_their_reason_and_message(name: str, reason: str, message_part: str) -> None:
    outcome = out.parse_install(recorded(name))
    assert not outcome.ok
    assert outcome.reason == reason
    assert message_part in outcome.message


def test_install_success_and_which_failures_mean_incompatible() -> None:
    assert out.parse_install("Performing Streamed Install\nSuccess\n").ok
    assert "INSTALL_FAILED_OLDER_SDK" in out.INCOMPATIBLE
    assert "INSTALL_FAILED_UPDATE_INCOMPATIBLE" not in out.INCOMPATIBLE  # a signature clash, fixed by uninstalling


def test_am_start_launch_times_on_new_and_old_systems_and_a_missing_activity() -> None:
    new = out.parse_am_start(recorded("am_start_ok.txt"))
    assert (new.ok, new.total_ms, new.wait_ms, new.launch_state) == (True, 712.0, 718.0, "COLD")
    old = out.parse_am_start(recorded("am_start_legacy.txt"))
    assert (old.ok, old.total_ms, old.launch_state) == (True, 455.0, "")
    missing = out.parse_am_start(recorded("am_start_missing.txt"))
    assert not missing.ok and "does not exist" in missing.error


def test_am_start_timeout_is_a_slow_launch_and_an_exception_is_no_launch() -> None:
    slow = out.parse_am_start(recorded("am_start_timeout.txt"))
    assert (slow.ok, slow.timed_out, slow.total_ms, slow.wait_ms, slow.launch_state) == (True, True, None, 10342.0, "")
    refused = out.parse_am_start(recorded("am_start_exception.txt"))
    assert not refused.ok and "SecurityException" in refused.error
    assert not out.parse_am_start("Starting: Intent { cmp=a/.B }\n").ok  # -W printed no Status: nothing started


@pytest.mark.parametrize(("name", "component"), [
    ("dumpsys_activities_14.txt", "gov.fingertip.sample/.MainActivity"),
    ("dumpsys_activities_9.txt", "gov.fingertip.sample/.ui.LoginActivity"),
])
def test_the_activity_in_front(name: str, component: str) -> None:
    assert out.resumed_activity(recorded(name)) == component
    assert out.split_component(component)[1].startswith(PACKAGE + ".")


def test_meminfo_getprop_wm_size() -> None:
    assert out.meminfo_pss_kb(recorded("meminfo.txt")) == 87654
    assert out.meminfo_pss_kb("TOTAL PSS:    51234            TOTAL RSS:   196480") == 51234
    props = out.parse_getprop(recorded("getprop.txt"))
    assert props["ro.build.version.sdk"] == "34"
    assert props["ro.product.cpu.abilist"] == "x86_64,arm64-v8a"
    assert out.parse_wm_size(recorded("wm_size.txt")) == (720, 1600)  # the override is what is drawn
    assert out.parse_wm_size("Physical size: 1080x2400\n") == (1080, 2400)


def test_logcat_crashes_of_the_app_only_with_kind_process_and_time() -> None:
    crashes = out.logcat_crashes(recorded("logcat_crash.txt"), PACKAGE, year=2026, utc_offset_s=8 * 3600)
    assert [(c.kind, c.process, c.pid) for c in crashes] == [
        ("crash", PACKAGE, 6523), ("native-crash", "tip.sample:push", 7100), ("anr", PACKAGE, 7200)]
    crash, _, anr = crashes
    assert crash.summary == "java.lang.IllegalStateException: 定位服务未就绪"
    assert "MainActivity.onResume" in crash.detail
    assert crash.t == pytest.approx(1795400102.123)  # 2026-11-23 10:15:02.123 +0800
    assert anr.summary.startswith("ANR：Input dispatching timed out")
    # com.other.app crashed too, in the same buffer: not this app's
    assert all("other" not in c.process for c in crashes)


def test_logcat_epoch_times() -> None:
    line = "  1795400102.123  6523  6523 E AndroidRuntime: FATAL EXCEPTION: main\n" \
           "  1795400102.123  6523  6523 E AndroidRuntime: Process: gov.fingertip.sample, PID: 6523\n" \
           "  1795400102.123  6523  6523 E AndroidRuntime: java.lang.RuntimeException: boom\n"
    [crash] = out.logcat_crashes(line, PACKAGE)
    assert (crash.t, crash.summary) == (1795400102.123, "java.lang.RuntimeException: boom")


def test_dropbox_entries_of_the_app_since_the_run_started() -> None:
    text = recorded("dropbox_crash.txt") + recorded("dropbox_anr.txt")
    crashes = out.dropbox_crashes(text, PACKAGE, since=0, utc_offset_s=8 * 3600)
    assert [(c.kind, c.source, c.pid) for c in crashes] == [("crash", "dropbox:data_app_crash", 6523),
                                                             ("anr", "dropbox:data_app_anr", 7200)]
    assert crashes[0].summary == "java.lang.IllegalStateException: 定位服务未就绪"
    assert crashes[1].summary.startswith("ANR：Input dispatching timed out")
    later = out.dropbox_crashes(text, PACKAGE, since=1795400102 + 60, utc_offset_s=8 * 3600)
    assert [c.kind for c in later] == ["anr"]  # the crash happened before this run


def test_processes_of_the_app() -> None:
    assert out.belongs_to(PACKAGE, PACKAGE)
    assert out.belongs_to(PACKAGE + ":push", PACKAGE)
    assert out.belongs_to("tip.sample:push", PACKAGE)  # cut to its last 15 characters
    assert not out.belongs_to("gov.fingertip.sampler", PACKAGE)
    assert not out.belongs_to("com.other.app", PACKAGE)


def test_appium_page_source_becomes_the_explorers_screen() -> None:
    screen = out.screen_from_hierarchy(recorded("appium_source.xml"), "gov.fingertip.sample/.MainActivity")
    assert screen.title == "投诉建议"
    by_label = {n.label: n for n in screen.nodes}
    assert by_label["请输入投诉内容"].role == "input" and by_label["请输入投诉内容"].editable
    assert by_label["提交"].role == "button" and by_label["提交"].bounds == (42, 820, 1038, 946)
    assert by_label["匿名投诉"].role == "checkbox"
    assert by_label["查看进度"].role == "button"  # a WebView's clickable element
    assert {n.label for n in screen.nodes if n.in_tabbar} == {"首页", "我的"}
    assert "不可用" not in by_label  # disabled
    assert by_label["提交"].ref == ("/hierarchy/android.widget.FrameLayout[1]/android.widget.LinearLayout[1]"
                                   "/android.widget.Button[1]")
    assert "备案编号：京ICP备12345678号-1A" in screen.texts
    assert "10:15" not in screen.texts  # the status bar's clock is systemui's


def test_raw_uiautomator_dump_gives_the_same_model() -> None:
    screen = out.screen_from_hierarchy(recorded("uiautomator_dump.xml"), "k")
    assert [(n.role, n.label) for n in screen.nodes] == [("button", "登录"), ("input", "密码")]
    assert screen.nodes[1].ref == "/hierarchy/android.widget.FrameLayout[1]/android.widget.EditText[1]"


def test_console_offsets() -> None:
    assert utc_offset("+0800") == 28800
    assert utc_offset("-0530") == -19800
    assert utc_offset("garbage") == 0


def test_refs_follow_appiums_tags_empty_fields_keep_their_hint_and_upload_buttons_are_file_controls() -> None:
    screen = out.screen_from_hierarchy(recorded("appium_source_hint_inner_class.xml"), "gov.fingertip.sample/.Form")
    phone_field, filled, upload = screen.nodes
    # Appium names the node `Form.PhoneField` (its class is `Form$PhoneField`): an XPath over the class finds nothing
    assert phone_field.ref == "/hierarchy/android.widget.FrameLayout[1]/gov.fingertip.sample.ui.Form.PhoneField[1]"
    assert (phone_field.role, phone_field.text, phone_field.hint) == ("input", "", "请输入手机号")
    assert (filled.text, filled.role) == ("13800000000", "input")
    assert upload.role == "file"


def test_native_crashes_of_android_7_logcat_and_a_dropbox_tombstone_are_named_and_summed_up() -> None:
    """Android 7's libc line names only the thread (`in tid N (name)`): the crashed process is the logcat pid,
    named in full by debuggerd's `pid: … >>> NAME <<<` line. A SYSTEM_TOMBSTONE entry has no Process: header:
    that line names it too, and its summary is the signal and abort lines, not the `*** ***` banner."""
    logcat = (
        "11-23 10:15:05.100  7300  7321 F libc    : Fatal signal 6 (SIGABRT), code -6 in tid 7321 (RenderThread)\n"
        "11-23 10:15:05.180  7330  7330 F DEBUG   : *** *** *** *** *** *** *** *** *** *** *** *** *** ***\n"
        "11-23 10:15:05.180  7330  7330 F DEBUG   : pid: 7300, tid: 7321, name: RenderThread  >>> "
        f"{PACKAGE} <<<\n"
        "11-23 10:15:05.180  7330  7330 F DEBUG   : signal 6 (SIGABRT), code -6 (SI_TKILL), fault addr --------\n")
    [crash] = out.logcat_crashes(logcat, PACKAGE, year=2026, utc_offset_s=0)
    assert (crash.kind, crash.process, crash.pid) == ("native-crash", PACKAGE, 7300)
    assert "SIGABRT" in crash.summary and "***" not in crash.summary
    tombstone = (
        "========================================\n"
        "2026-11-23 10:15:06 SYSTEM_TOMBSTONE (compressed text, 4096 bytes)\n"
        "Build: fingertip/sample/sample:7.1.1/NYC/1:userdebug/test-keys\n"
        "Hardware: ranchu\n"
        "\n"
        "*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***\n"
        "Build fingerprint: 'fingertip/sample/sample:7.1.1/NYC/1:userdebug/test-keys'\n"
        "ABI: 'x86_64'\n"
        f"pid: 7300, tid: 7321, name: RenderThread  >>> {PACKAGE} <<<\n"
        "signal 6 (SIGABRT), code -6 (SI_TKILL), fault addr --------\n"
        "Abort message: 'FORTIFY: pthread_mutex_lock called on a destroyed mutex'\n"
        "    rax 0000000000000000  rbx 0000000000001c94\n")
    [entry] = out.dropbox_crashes(tombstone, PACKAGE, since=0, utc_offset_s=0)
    assert (entry.kind, entry.process, entry.pid, entry.source) == ("native-crash", PACKAGE, 7300,
                                                                    "dropbox:SYSTEM_TOMBSTONE")
    assert entry.summary.startswith("signal 6 (SIGABRT)") and "FORTIFY" in entry.summary
