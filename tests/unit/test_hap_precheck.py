"""The static precheck on HAP and APP packages built here (zips with module.json / pack.info)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from harness.cli import main
from harness.static.facts import DeviceFacts, PackageError, blocking, precheck
from harness.static.hap import api_level, app_haps, read_hap
from tests.fakes.hap_build import HapSpec, build_app, build_hap


def test_facts_read_from_a_hap(tmp_path: Path) -> None:
    facts = read_hap(build_hap(HapSpec(), tmp_path))
    assert (facts.platform, facts.package, facts.launcher) == ("harmony", "com.fingertip.harmony", "EntryAbility")
    assert facts.label == "指尖测试"  # module.json's $string:app_name, resolved in resources.index
    assert (facts.min_api, facts.target_api) == (12, 12)
    assert facts.abis == ("arm64-v8a",)
    assert "ohos.permission.LOCATION_IN_BACKGROUND" in facts.permissions
    assert facts.background_modes == ("location",)
    assert facts.extra["module"] == "entry"


def test_an_app_is_read_through_its_entry_hap(tmp_path: Path) -> None:
    facts = read_hap(build_app(HapSpec(bundle="com.fingertip.bundle", min_api=13), tmp_path))
    assert (facts.package, facts.min_api) == ("com.fingertip.bundle", 13)


def test_the_entry_hap_of_an_app_is_the_one_of_module_type_entry(tmp_path: Path) -> None:
    """Packed HAPs keep DevEco's names (`entry-default-signed.hap`); a feature HAP stored first is not the entry."""
    app = build_app(HapSpec(), tmp_path, features=("feature",))
    facts = read_hap(app)
    assert (facts.launcher, facts.extra["module"], facts.extra["module_type"]) == ("EntryAbility", "entry", "entry")
    haps = app_haps(app, tmp_path / "out")
    assert [h.name for h in haps] == ["entry-default-signed.hap", "feature-default-signed.hap"]
    nameless = tmp_path / "nameless.app"  # no pack.info: each HAP's module.json says which is the entry
    with zipfile.ZipFile(app) as source, zipfile.ZipFile(nameless, "w") as target:
        for name in source.namelist():
            if name != "pack.info":
                target.writestr(name.replace("entry-", "a-").replace("feature-", "0-"), source.read(name))
    assert read_hap(nameless).extra["module"] == "entry"


def test_precheck_for_harmony(tmp_path: Path) -> None:
    facts = read_hap(build_hap(HapSpec(min_api=14, abis=("arm64-v8a",)), tmp_path))
    emulator = DeviceFacts(api=12, abis=("x86_64",), os="HarmonyOS 5.0.0 (API 12)")
    assert [i.code for i in blocking(precheck(facts, emulator))] == ["min-api", "abi"]
    notes = {i.code for i in precheck(facts, None)}
    assert notes == {"location", "background-location", "camera", "background-mode-location"}


def test_api_levels_decoded() -> None:
    assert api_level(50000012) == 12
    assert api_level(50001013) == 13
    assert api_level("12") == 12
    assert api_level(None) is None


def test_broken_haps_are_named(tmp_path: Path) -> None:
    no_module = tmp_path / "bare.hap"
    with zipfile.ZipFile(no_module, "w") as archive:
        archive.writestr("pack.info", "{}")
    with pytest.raises(PackageError, match=r"no module\.json"):
        read_hap(no_module)
    bad_json = tmp_path / "bad.hap"
    with zipfile.ZipFile(bad_json, "w") as archive:
        archive.writestr("module.json", "{not json")
    with pytest.raises(PackageError, match=r"bad\.hap: module.json is not JSON"):
        read_hap(bad_json)
    empty_app = tmp_path / "empty.app"
    with zipfile.ZipFile(empty_app, "w") as archive:
        archive.writestr("pack.info", "{}")
    with pytest.raises(PackageError, match=r"without any \.hap"):
        read_hap(empty_app)


def test_fingertip_inspect_a_hap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hap = build_hap(HapSpec(), tmp_path)
    assert main(["inspect", str(hap), "--json", "--api", "11"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["package"]["platform"] == "harmony"
    assert [i["code"] for i in report["issues"] if i["severity"] == "blocking"] == ["min-api"]
