"""The static precheck on real APKs built here from Debian's aapt + smali + apksigner."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.static.apk import read_apk
from harness.static.facts import DeviceFacts, PackageError, blocking, precheck
from tests.fakes.apk_build import ApkSpec, build_apk


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("apks")
    return {
        "sample": build_apk(ApkSpec(), folder),
        "native": build_apk(ApkSpec(package="gov.fingertip.native", min_sdk=26, abis=("arm64-v8a", "armeabi-v7a"),
                                    permissions=(), cleartext=None, target_sdk=30), folder),
        "legacy": build_apk(ApkSpec(package="gov.fingertip.legacy", min_sdk=16, target_sdk=22, cleartext=None,
                                    permissions=("android.permission.ACCESS_COARSE_LOCATION",)), folder),
    }


def test_facts_read_from_a_real_apk(built: dict[str, Path]) -> None:
    facts = read_apk(built["sample"])
    assert (facts.package, facts.label, facts.version_name, facts.version_code) == ("gov.fingertip.sample", "指尖样例",
                                                                                   "1.2", 3)
    assert facts.launcher == "gov.fingertip.sample.MainActivity"
    assert (facts.min_api, facts.target_api) == (24, 34)
    assert facts.abis == ()
    assert "android.permission.ACCESS_BACKGROUND_LOCATION" in facts.permissions
    assert facts.cleartext is True
    assert "v2" in facts.signatures


def test_native_abis_and_cleartext_defaults(built: dict[str, Path]) -> None:
    native = read_apk(built["native"])
    assert native.abis == ("arm64-v8a", "armeabi-v7a")
    assert native.cleartext is False  # target 30, not declared: off by default since API 28
    assert read_apk(built["legacy"]).cleartext is True  # target 22: on by default


def test_precheck_names_what_blocks_an_install_and_what_reviewers_should_know(built: dict[str, Path]) -> None:
    sample, native, legacy = (read_apk(built[k]) for k in ("sample", "native", "legacy"))
    x86_old = DeviceFacts(api=25, abis=("x86_64", "x86"), os="Android 7.1")
    assert [i.code for i in blocking(precheck(native, x86_old))] == ["min-api", "abi"]
    assert blocking(precheck(native, DeviceFacts(api=34, abis=("arm64-v8a",)))) == []
    assert [i.code for i in blocking(precheck(legacy, DeviceFacts(api=34, abis=("arm64-v8a",))))] == ["target-api"]
    assert blocking(precheck(legacy, DeviceFacts(api=33, abis=("arm64-v8a",)))) == []
    notes = {i.code for i in precheck(sample, None)}
    assert notes == {"location", "background-location", "camera", "cleartext"}


def test_android_15_refuses_targets_below_24_and_says_so_once(built: dict[str, Path]) -> None:
    # Android 14 refuses targetSdk < 23, Android 15 < 24 (INSTALL_FAILED_DEPRECATED_SDK_VERSION: "App package must
    # target at least SDK version 24, but found 23"): the strictest rule for the device's API applies, once.
    target_23 = replace(read_apk(built["legacy"]), target_api=23)
    arm = ("arm64-v8a",)
    assert blocking(precheck(target_23, DeviceFacts(api=34, abis=arm))) == []
    [refused] = blocking(precheck(target_23, DeviceFacts(api=35, abis=arm)))
    assert refused.code == "target-api" and "低于 24" in refused.message and "API 35" in refused.message
    [older] = blocking(precheck(read_apk(built["legacy"]), DeviceFacts(api=36, abis=arm)))
    assert "targetSdkVersion 22 低于 24" in older.message


def test_broken_packages_are_named(tmp_path: Path) -> None:
    text = tmp_path / "not.apk"
    text.write_text("hello")
    with pytest.raises(PackageError, match="not a zip"):
        read_apk(text)
    empty = tmp_path / "empty.apk"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("classes.dex", b"dex\n")
    with pytest.raises(PackageError, match=r"empty\.apk"):
        read_apk(empty)
    with pytest.raises(PackageError, match="no such APK"):
        read_apk(tmp_path / "missing.apk")


def test_fingertip_inspect(built: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(built["native"]), "--json", "--api", "25", "--abi", "x86_64"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["package"]["package"] == "gov.fingertip.native"
    assert [i["code"] for i in report["issues"] if i["severity"] == "blocking"] == ["min-api", "abi"]
    assert main(["inspect", str(built["sample"])]) == 0
    assert "gov.fingertip.sample" in capsys.readouterr().out
    assert main(["inspect", str(built["sample"].with_suffix(".ipa"))]) == 2
