"""Farm and scenario parsing: good files load, bad ones say what and where (file:line)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from harness.config import load_farm, load_scenario, load_scenarios
from harness.config.farm import WebDeviceSpec
from harness.errors import ConfigError

GOOD_SCENARIO = """\
id: demo
name: 演示
platform: web
entry: http://app.demo.test/
hosts:
  app.demo.test: [127.0.0.1, "::1"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def test_bundled_farm_and_scenarios_load(root: Path) -> None:
    farm = load_farm(root / "device_farm.yaml")
    assert [d.id for d in farm.devices] == ["web-phone"]
    assert isinstance(farm.devices[0], WebDeviceSpec)
    scenarios = load_scenarios([root / "scenarios"])
    assert {s.id for s in scenarios} == {"ebantong", "ganbutong", "xuncha", "zhangshang"}
    ganbutong = next(s for s in scenarios if s.id == "ganbutong")
    assert ganbutong.families("img.ganbutong.demo.test") == {4}
    assert ganbutong.families("app.ganbutong.demo.test") == {4, 6}
    assert ganbutong.serve is not None and (ganbutong.serve / "app.py").is_file()


def test_scenario_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "s.yaml", GOOD_SCENARIO))
    assert scenario.hosts == {"app.demo.test": ("127.0.0.1", "::1")}
    assert scenario.context == ()
    assert scenario.explore.budget_s > 0


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD_SCENARIO.replace("platform: web", "platform: ios"), 3, "platform"),
    (GOOD_SCENARIO.replace('[127.0.0.1, "::1"]', "[127.0.0.300]"), 5, "not an IPv4 or IPv6 address"),
    (GOOD_SCENARIO.replace("http://app.demo.test/", "http://other.test/"), None, "missing from hosts"),
    (GOOD_SCENARIO.replace("entry: http://app.demo.test/", "entry: app.apk"), None, "http(s) URL"),
    (GOOD_SCENARIO + "colour: red\n", 7, "colour"),
    (GOOD_SCENARIO.replace("id: demo", "id: Demo App"), 1, "lower-case"),
    (GOOD_SCENARIO + "serve: ../nowhere\n", 7, "no app.py"),
    (GOOD_SCENARIO + "steps:\n  - {tap: 首页, back: true}\n", 8, "exactly one"),
    (GOOD_SCENARIO + "context: [演习]\n", 7, "context"),
    ("id: [unclosed\n", None, "not valid YAML"),
    ("- just\n- a list\n", 1, "a scenario is a mapping"),
])
def test_bad_scenarios_name_file_and_line(tmp_path: Path, text: str, line: int | None, words: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.path == path
    assert words in str(error)
    if line is not None:
        assert error.line == line, str(error)
        assert f"bad.yaml:{line}:" in str(error)


def test_repeated_scenario_ids_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_SCENARIO)
    write(tmp_path, "b.yaml", GOOD_SCENARIO)
    with pytest.raises(ConfigError, match="also used by"):
        load_scenarios([tmp_path])


def test_missing_scenario_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such scenario"):
        load_scenarios([tmp_path / "nope"])


FARM = """\
devices:
  - id: web-phone
    kind: web
  - id: mi13
    kind: android
    serial: 8c1f2a3b
    adb_server: 10.1.2.3:5037
  - id: avd34
    kind: avd
    avd: Pixel_7_API_34
  - id: harmony-emu
    kind: harmony
    target: 127.0.0.1:5555
"""


def test_farm_with_every_kind(tmp_path: Path) -> None:
    farm = load_farm(write(tmp_path, "farm.yaml", FARM))
    assert [d.kind for d in farm.devices] == ["web", "android", "avd", "harmony"]
    assert farm.device("mi13").serial == "8c1f2a3b"  # type: ignore[union-attr]


def test_frida_settings_on_android_entries(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "frida-server").write_bytes(b"\x7fELF")
    frida = "    frida: {server: bin/frida-server, families: [location, tls]}\n"
    text = FARM.replace("    adb_server: 10.1.2.3:5037\n", frida)
    farm = load_farm(write(tmp_path, "farm.yaml", text))
    mi13 = farm.device("mi13")
    assert mi13.frida.server == tmp_path / "bin" / "frida-server"  # type: ignore[union-attr]
    assert mi13.frida.families == ["location", "tls"]  # type: ignore[union-attr]
    assert farm.device("avd34").frida.families[-1] == "tls"  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "line", "words"), [
    (FARM.replace("    adb_server: 10.1.2.3:5037\n", "    frida: {families: [gps]}\n"), 7, "frida.families.0"),
    (FARM.replace("    adb_server: 10.1.2.3:5037\n", "    frida: {server: nope/frida-server}\n"), 7, "does not exist"),
    (FARM.replace("kind: avd", "kind: iphone"), 9, "not one of"),
    (FARM.replace("    serial: 8c1f2a3b\n", ""), 4, "serial"),
    (FARM.replace("id: avd34", "id: web-phone"), 8, "repeats line 2"),
    (FARM + "extra: 1\n", 14, "unknown top-level key"),
    ("devices: []\n", 1, "no devices"),
    ("devices:\n  - id: w\n    kind: web\n    emulate: {width: 10}\n", 4, "emulate.width"),
])
def test_bad_farms_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, "farm.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_farm(path)
    assert words in str(caught.value)
    assert caught.value.line == line, str(caught.value)


def test_commented_farm_examples_parse(root: Path, tmp_path: Path) -> None:
    """The commented real examples in device_farm.yaml are valid entries once uncommented."""
    lines = (root / "device_farm.yaml").read_text(encoding="utf-8").splitlines()
    uncommented = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith("# - id:") or (stripped.startswith("#   ") and ":" in stripped and
                                                 not stripped.startswith("#   ─")):
            uncommented.append("  " + stripped[2:].split("  #")[0])
        elif not stripped.startswith("#"):
            uncommented.append(line)
    farm = load_farm(write(tmp_path, "farm.yaml", "\n".join(uncommented) + "\n"))
    assert {d.kind for d in farm.devices} == {"web", "android", "avd", "harmony"}
