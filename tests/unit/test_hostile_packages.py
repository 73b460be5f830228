"""Hostile APK / HAP / APP files: the precheck refuses each with a PackageError naming what is wrong, with bounded
memory; `fingertip inspect` exits 2 with the message (never a traceback, never exit 1 = "cannot install")."""

from __future__ import annotations

import json
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.static import archive as caps
from harness.static import hap as hap_reader
from harness.static.apk import read_apk
from harness.static.facts import PackageError
from harness.static.hap import read_hap
from harness.static.inspect import read_package
from tests.fakes.apk_build import ApkSpec, build_apk, missing_tools
from tests.fakes.hap_build import HapSpec, module_json, pack_info
from tests.fakes.hostile_zip import patch_entry, write_bomb


def hap(path: Path, module: Any = None, pack: Any = None, extra: dict[str, bytes] | None = None,
        spec: HapSpec | None = None) -> Path:
    """A HAP whose module.json / pack.info are given as they are (any JSON value, or raw bytes)."""
    def encoded(value: Any) -> bytes:
        return value if isinstance(value, bytes) else json.dumps(value).encode()

    spec = spec or HapSpec()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.json", encoded(module_json(spec) if module is None else module))
        archive.writestr("pack.info", encoded(pack_info(spec) if pack is None else pack))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def app(path: Path, haps: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, source in haps.items():
            archive.write(source, name)
        archive.writestr("pack.info", json.dumps(pack_info(HapSpec())))
    return path


def with_module(**changes: Any) -> dict[str, Any]:
    data = module_json(HapSpec())
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return data


def lying(tmp_path: Path, declared: int) -> Path:
    path = hap(tmp_path / "lying.hap")
    patch_entry(path, "module.json", size=declared)
    return path


def bomb_hap(tmp_path: Path, megabytes: int = 40) -> Path:
    path = tmp_path / "bomb.hap"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        write_bomb(archive, "module.json", megabytes, head=json.dumps(module_json(HapSpec())).encode())
    return path


HOSTILE_HAPS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "module.json a bomb": (bomb_hap, "上限"),
    "declared far larger": (lambda t: lying(t, 3 << 30), "上限"),
    "declared smaller than it is": (lambda t: lying(t, 40), "无法解压"),
    "declared larger than it is": (lambda t: lying(t, len(json.dumps(module_json(HapSpec()))) + 50),
                                   "实际"),
    "unknown compression method": (lambda t: (p := hap(t / "m.hap"), patch_entry(p, "module.json", method=99))[0],
                                   "无法解压"),
    "module.json a list": (lambda t: hap(t / "l.hap", module=[1, 2, 3]), "not a JSON object"),
    "module.json a string": (lambda t: hap(t / "s.hap", module="module"), "not a JSON object"),
    "module.json deeply nested": (lambda t: hap(t / "d.hap", module=b"[" * 200_000), "not JSON"),
    "module.json not UTF-8": (lambda t: hap(t / "u.hap", module=b'{"app": "\xff"}'), "not JSON"),
    "versionCode a string": (lambda t: hap(t / "v.hap", module=with_module(app__versionCode="abc")),
                             "app.versionCode"),
    "abilities an object": (lambda t: hap(t / "a.hap", module=with_module(module__abilities={"name": "x"})),
                            "module.abilities"),
    "permission name a number": (lambda t: hap(t / "p.hap", module=with_module(module__requestPermissions=[
        {"name": 5}])), "module.requestPermissions.0.name"),
    "app a list": (lambda t: hap(t / "al.hap", module={"app": [], "module": {}}), "module.json: app"),
    "pack.info modules a string": (lambda t: hap(t / "pi.hap", pack={"summary": {"modules": "entry"}}),
                                   "pack.info: summary.modules"),
    "bundle with a shell command": (lambda t: hap(t / "b1.hap",
                                                  module=with_module(app__bundleName="com.evil; rm -rf /")),
                                    "bundleName 'com.evil; rm -rf /' 不合法"),
    "bundle with $(...)": (lambda t: hap(t / "b2.hap", module=with_module(app__bundleName="com.x$(reboot).y")),
                           "bundleName"),
    "bundle with a newline": (lambda t: hap(t / "b3.hap", module=with_module(app__bundleName="com.x.y\nreboot")),
                              "bundleName"),
    "bundle too short": (lambda t: hap(t / "b4.hap", module=with_module(app__bundleName="a.b")), "bundleName"),
    "bundle a number": (lambda t: hap(t / "b5.hap", module=with_module(app__bundleName=12345678)),
                        "app.bundleName"),
    "module name with a backtick": (lambda t: hap(t / "m1.hap", module=with_module(module__name="entry`id`")),
                                    "模块名"),
    "main ability with $(...)": (lambda t: hap(t / "a1.hap", module=with_module(module__mainElement="E$(id)")),
                                 "Ability 名"),
    "ability with quotes": (lambda t: hap(t / "a2.hap", module=with_module(module__abilities=[
        {"name": "Entry'Ability"}])), "Ability 名"),
    "too many entries": (lambda t: hap(t / "many.hap", extra={f"r/{i}": b"" for i in range(60)}), "个条目"),
}


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caps small enough to reach in a test (the limits' logic, not their size, is under test)."""
    monkeypatch.setattr(caps, "MAX_ENTRIES", 50)
    monkeypatch.setattr(caps, "MAX_ENTRY_BYTES", 16 << 20)


@pytest.mark.parametrize("case", list(HOSTILE_HAPS))
def test_hostile_haps_are_refused_by_name(case: str, tmp_path: Path, small_caps: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    make, words = HOSTILE_HAPS[case]
    path = make(tmp_path)
    with pytest.raises(PackageError) as caught:
        read_hap(path)
    assert words in caught.value.message, caught.value.message
    assert caught.value.path == path
    assert main(["inspect", str(path)]) == 2
    out = capsys.readouterr()
    assert words.split()[0] in out.out and "Traceback" not in out.out + out.err


def test_a_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    bomb = bomb_hap(tmp_path, megabytes=200)
    patch_entry(bomb, "module.json", size=4000)  # and its header claims it is small
    tracemalloc.start()
    try:
        with pytest.raises(PackageError, match=r"无法解压|实际"):
            read_package(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"reading a 200 MB bomb took {peak >> 20} MB"


def test_names_that_break_the_rules_fail_the_precheck_as_a_package_finding(tmp_path: Path) -> None:
    path = hap(tmp_path / "evil.hap", module=with_module(app__bundleName="com.evil;reboot"))
    with pytest.raises(PackageError) as caught:
        read_package(path)
    assert caught.value.reason == "PACKAGE_INVALID_NAME"
    good = read_package(hap(tmp_path / "good.hap", spec=HapSpec(bundle="com.gov_1.app2", module="entry_2",
                                                                ability="Main.Ability_1")))
    assert (good.package, good.launcher, good.extra["module"]) == ("com.gov_1.app2", "Main.Ability_1", "entry_2")


def test_an_app_caps_its_haps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = hap(tmp_path / "entry.hap")
    big = hap(tmp_path / "big.hap", extra={"filler.bin": os.urandom(600 << 10)})
    monkeypatch.setattr(hap_reader, "MAX_NESTED_BYTES", 512 << 10)
    with pytest.raises(PackageError, match=r"entry\.hap 声明 .*超过上限"):
        read_hap(app(tmp_path / "big.app", {"entry.hap": big}))
    monkeypatch.setattr(hap_reader, "MAX_HAPS_IN_APP", 3)
    with pytest.raises(PackageError, match="4 个 HAP"):
        read_hap(app(tmp_path / "many.app", {f"m{i}.hap": inner for i in range(4)}))
    evil = hap(tmp_path / "evil.hap", module=with_module(app__bundleName="$(id)"))
    with pytest.raises(PackageError, match="bundleName"):
        read_hap(app(tmp_path / "evil.app", {"entry.hap": evil}))
    bomb = bomb_hap(tmp_path, megabytes=20)
    with pytest.raises(PackageError, match=r"entry\.hap: .*(疑似解压炸弹|声明)"):
        read_hap(app(tmp_path / "bomb.app", {"entry.hap": bomb}))
    # A HAP nested in the entry HAP is never opened: whatever it holds does not matter.
    nested = hap(tmp_path / "nested.hap", extra={"inner.hap": b"not even a zip"})
    assert read_hap(app(tmp_path / "nested.app", {"entry.hap": nested})).package == "com.fingertip.harmony"


def test_a_truncated_package_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = hap(tmp_path / "whole.hap", extra={"filler.bin": bytes(range(256)) * 400})
    cut = tmp_path / "cut.hap"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size - 30])
    assert main(["inspect", str(cut)]) == 2
    out = capsys.readouterr().out
    assert "cut.hap" in out and "Traceback" not in out


# ── APKs: built for real, then made hostile ───────────────────────────────────────────────────────────────────
needs_tools = pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())}")


@pytest.fixture(scope="module")
def apk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if missing_tools():
        pytest.skip(f"needs {', '.join(missing_tools())}")
    return build_apk(ApkSpec(package="gov.fingertip.evilxxxx"), tmp_path_factory.mktemp("hostile-apk"))


def rewritten(source: Path, target: Path, replace: dict[str, bytes] | None = None,
              bomb: tuple[str, int] | None = None) -> Path:
    """`source` copied entry by entry, some entries replaced (the signature no longer matters to a precheck)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if bomb and info.filename == bomb[0]:
                write_bomb(new, info.filename, bomb[1], head=old.read(info))
            else:
                new.writestr(info.filename, (replace or {}).get(info.filename, old.read(info)))
    return target


@needs_tools
def test_an_apk_whose_manifest_is_a_bomb_never_reaches_androguard(apk: Path, tmp_path: Path) -> None:
    bomb = rewritten(apk, tmp_path / "bomb.apk", bomb=("AndroidManifest.xml", 200))
    patch_entry(bomb, "AndroidManifest.xml", size=3000)  # androguard would inflate all 200 MB
    tracemalloc.start()
    try:
        with pytest.raises(PackageError, match=r"无法解压|实际") as caught:
            read_apk(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "PACKAGE_CORRUPT"
    assert peak < 48 << 20, f"reading the bomb took {peak >> 20} MB"
    declared = rewritten(apk, tmp_path / "declared.apk", bomb=("AndroidManifest.xml", 20))
    with pytest.raises(PackageError, match=r"AndroidManifest\.xml 声明 .*超过上限"):
        read_apk(declared)


@needs_tools
def test_an_apk_lying_about_an_asset_is_refused(apk: Path, tmp_path: Path) -> None:
    path = rewritten(apk, tmp_path / "asset.apk", replace={"classes.dex": b"dex\n" * 10})
    patch_entry(path, "classes.dex", size=3 << 30)
    with pytest.raises(PackageError, match=r"classes\.dex' 声明 .*超过单条目上限"):
        read_apk(path)


@needs_tools
@pytest.mark.parametrize("evil", ["gov;rm -rf /;", "gov.$(reboot).x", "gov.x`id`.y", "1gov.fingertip.x"])
def test_an_apk_with_a_shell_command_for_a_package_name_fails_the_precheck(
        apk: Path, tmp_path: Path, evil: str, capsys: pytest.CaptureFixture[str]) -> None:
    original = "gov.fingertip.evilxxxx"
    evil = evil.ljust(len(original), "x")  # same length: the binary manifest's string pool is patched in place
    with zipfile.ZipFile(apk) as archive:
        manifest = archive.read("AndroidManifest.xml")
    assert original.encode("utf-16-le") in manifest
    hostile = manifest.replace(original.encode("utf-16-le"), evil.encode("utf-16-le"))
    path = rewritten(apk, tmp_path / "named.apk", replace={"AndroidManifest.xml": hostile})
    with pytest.raises(PackageError) as caught:
        read_package(path)
    assert caught.value.reason == "PACKAGE_INVALID_NAME"
    assert evil in caught.value.message
    assert main(["inspect", str(path), "--api", "34"]) == 2
    assert "不合法" in capsys.readouterr().out
