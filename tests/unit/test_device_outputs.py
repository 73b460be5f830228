"""Real outputs captured on Android / HarmonyOS devices by others (../shared/device-outputs, see its
PROVENANCE.md) parse as its expected.json states. The files stay outside the project: skipped when absent.

Package samples (`kind: package`, binaries PROVENANCE.md names but does not ship) are read by the static
reader and prechecked when a lab has fetched them into the folder, skipped one by one otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.devices.android import output as android
from harness.devices.common.crash import Crash
from harness.devices.harmony import output as harmony
from harness.static.facts import DeviceFacts, PackageFacts, blocking, precheck
from harness.static.inspect import read_package
from harness.ui.tree import Screen

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "device-outputs"
EXPECTED = SHARED / "expected.json"
PARSED_HERE = {"am_start", "pm_install", "dropbox", "logcat", "getprop", "dumpsys_activities", "android_ui",
               "harmony_layout", "faultlog", "hdc_install", "hdc_targets"}


def _samples() -> list[Any]:
    if not EXPECTED.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED} is not here"), id="no-device-outputs")]
    samples = json.loads(EXPECTED.read_text(encoding="utf-8"))["samples"]
    return [pytest.param(s, id=s["id"]) for s in samples if s["kind"] in PARSED_HERE]


def _package_samples() -> list[Any]:
    if not EXPECTED.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED} is not here"), id="no-device-outputs")]
    samples = [s for s in json.loads(EXPECTED.read_text(encoding="utf-8"))["samples"] if s["kind"] == "package"]
    return [pytest.param(s, id=s["id"], marks=[] if (SHARED / s["file"]).is_file() else pytest.mark.skip(
        reason=f"{s['file']} is not shipped (PROVENANCE.md names where to fetch it)")) for s in samples]


PACKAGE_FIELDS = {"platform", "package", "label", "version_name", "version_code", "launcher", "min_api",
                  "target_api", "cleartext"}


def _package_matches(facts: PackageFacts, want: dict[str, Any], args: dict[str, Any]) -> None:
    for key, value in want.items():
        if key in PACKAGE_FIELDS:
            assert getattr(facts, key) == value, (key, getattr(facts, key), value)
        elif key in ("abis", "permissions", "signatures"):
            assert sorted(getattr(facts, key)) == sorted(value), (key, getattr(facts, key))
        elif key == "permission_count":
            assert len(facts.permissions) == value, facts.permissions
        elif key == "permissions_include":
            assert set(value) <= set(facts.permissions), set(value) - set(facts.permissions)
        elif key.startswith("extra."):
            assert facts.extra.get(key.removeprefix("extra.")) == value, (key, facts.extra)
        elif key == "precheck_codes":
            assert sorted({i.code for i in precheck(facts, None)}) == sorted(value)
        elif key == "blocking_codes":
            device = DeviceFacts(api=int(args["device_api"]))
            assert [i.code for i in blocking(precheck(facts, device))] == value
        else:
            raise AssertionError(f"expected.json key {key} is not checked here")


@pytest.mark.parametrize("sample", _package_samples())
def test_real_package_reads_as_expected(sample: dict[str, Any]) -> None:
    """Third-party .apk / .hap builds: the static reader's facts and the precheck's verdict as stated."""
    _package_matches(read_package(SHARED / sample["file"]), sample["expect"], sample.get("args", {}))


def test_every_kind_in_expected_json_is_checked() -> None:
    """A sample of a kind no test reads would pass by being ignored."""
    if not EXPECTED.exists():
        pytest.skip(f"{SHARED} is not here")
    kinds = {s["kind"] for s in json.loads(EXPECTED.read_text(encoding="utf-8"))["samples"]}
    assert kinds <= PARSED_HERE | {"package"}, kinds - PARSED_HERE


def _crash_matches(crash: Crash, want: dict[str, Any]) -> None:
    for key, value in want.items():
        if key == "summary_contains":
            assert value in crash.summary, (crash.summary, value)
        else:
            assert getattr(crash, key) == value, (key, getattr(crash, key), value)


def _screen_matches(screen: Screen, want: dict[str, Any]) -> None:
    labels = [n.label for n in screen.nodes]
    for key, value in want.items():
        if key == "node_count":
            assert len(screen.nodes) == value, labels
        elif key == "key":
            assert screen.key == value
        elif key == "title":
            assert screen.title == value
        elif key == "label_contains":
            for part in value:
                assert any(part in label for label in labels), (part, labels)
        elif key == "texts_include":
            assert set(value) <= set(screen.texts), set(value) - set(screen.texts)
        elif key == "texts_exclude":
            assert not set(value) & set(screen.texts)
        elif key == "tabs":
            assert [n.label for n in screen.nodes if n.role == "tab"] == value
        elif key == "roles":
            for label, role in value.items():
                assert {n.role for n in screen.nodes if n.label == label} == {role}, label
        elif key == "role_counts":
            for role, count in value.items():
                assert sum(n.role == role for n in screen.nodes) == count, role
        else:
            raise AssertionError(f"expected.json key {key} is not checked here")


@pytest.mark.parametrize("sample", _samples())
def test_real_device_output_parses_as_expected(sample: dict[str, Any]) -> None:
    path = SHARED / sample["file"]
    text = path.read_text(encoding="utf-8")
    kind, want, args = sample["kind"], sample["expect"], sample.get("args", {})
    if kind == "am_start":
        started = android.parse_am_start(text)
        for key, value in want.items():
            assert getattr(started, key) == value, (key, getattr(started, key))
    elif kind in ("pm_install", "hdc_install"):
        outcome = android.parse_install(text) if kind == "pm_install" else harmony.parse_install(text)
        assert outcome.ok == want["ok"]
        assert outcome.reason == want.get("reason", want.get("code"))
        assert want.get("message_contains", "") in outcome.message
        if "incompatible" in want:
            verdict = (outcome.reason in android.INCOMPATIBLE if kind == "pm_install"
                       else harmony.incompatible(outcome))
            assert verdict == want["incompatible"]
    elif kind == "dropbox":
        crashes = android.dropbox_crashes(text, args["package"], args["since"], args["utc_offset_s"])
        assert len(crashes) == len(want["crashes"]), crashes
        for crash, expected in zip(crashes, want["crashes"], strict=True):
            _crash_matches(crash, expected)
    elif kind == "logcat":
        crashes = android.logcat_crashes(text, args["package"], args["year"], args["utc_offset_s"])
        assert len(crashes) == len(want["crashes"]), crashes
        for crash, expected in zip(crashes, want["crashes"], strict=True):
            _crash_matches(crash, expected)
    elif kind == "getprop":
        props = android.parse_getprop(text)
        assert {k: props.get(k) for k in want["props"]} == want["props"]
    elif kind == "dumpsys_activities":
        assert android.resumed_activity(text) == want["component"]
    elif kind == "android_ui":
        _screen_matches(android.screen_from_hierarchy(text, args["key"]), want)
    elif kind == "harmony_layout":
        _screen_matches(harmony.screen_from_layout(text), want)
    elif kind == "faultlog":
        crash = harmony.faultlog_crash(path.name, text, args["bundle"], args["since"], args["utc_offset_s"])
        assert crash is not None
        _crash_matches(crash, want)
    elif kind == "hdc_targets":
        assert harmony.parse_targets(text) == want["targets"]
