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


def test_server_addresses_are_parsed_once_ipv6_in_brackets(tmp_path: Path) -> None:
    from harness.devices.android.device import adb_client
    from harness.devices.harmony.hdc import server_args

    text = FARM.replace("10.1.2.3:5037", "'[fd00::20]:5037'") + "    hdc_server: '[::1]:8710'\n"
    farm = load_farm(write(tmp_path, "farm.yaml", text))
    mi13, emu = farm.device("mi13"), farm.device("harmony-emu")
    assert (mi13.adb_server.host, mi13.adb_server.port) == ("fd00::20", 5037)  # type: ignore[union-attr]
    assert mi13.remote_adb_host == "fd00::20"  # type: ignore[union-attr]
    client = adb_client(mi13)  # type: ignore[arg-type]
    assert (client.host, client.port) == ("fd00::20", 5037)  # adbutils gets the host without brackets
    assert server_args(emu.hdc_server) == ["-s", "[::1]:8710"]  # type: ignore[union-attr]
    assert emu.hdc_server.is_local  # type: ignore[union-attr]
    assert farm.device("avd34").remote_adb_host is None  # type: ignore[union-attr]


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
    (FARM.replace("10.1.2.3:5037", "fd00::20:5037"), 7, "not host:port"),
    (FARM.replace("10.1.2.3:5037", "10.1.2.3"), 7, "not host:port"),
    (FARM.replace("10.1.2.3:5037", "10.1.2.3:70000"), 7, "adb_server.port"),
    (FARM.replace("avd: Pixel_7_API_34", "avd: Pixel_7_API_34\n    adb_server: 10.1.2.3:5037"), 11, "local"),
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


# ── hostile config inputs: exit 2 with file and line, never a silent surprise ─────────────────────────────
@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD_SCENARIO + "explore: &e {budget_s: 5}\n", 7, "anchor &e"),
    (GOOD_SCENARIO.replace("hosts:\n", "hosts: &h\n") + "extra: *h\n", 5, "anchor &h"),
    ("a: &a [x, x, x]\nb: [*a, *a, *a]\n", 1, "anchor &a"),
    (GOOD_SCENARIO + "name: 第二个名字\n", 7, "key 'name' repeats line 2"),
    (GOOD_SCENARIO.replace("  app.demo.test: [127.0.0.1, \"::1\"]\n",
                           "  app.demo.test: [127.0.0.1]\n  app.demo.test: [10.0.0.1]\n"), 7, "repeats line 6"),
    (GOOD_SCENARIO + "steps:\n  - {wait: 86400}\n", 8, "steps.0.wait"),
    (GOOD_SCENARIO + "steps:\n  - {wait: -1}\n", 8, "steps.0.wait"),
    (GOOD_SCENARIO + "explore: {dwell_s: 100000}\n", 7, "explore.dwell_s"),
    (GOOD_SCENARIO + "explore: {budget_s: 1.0e9}\n", 7, "explore.budget_s"),
    (GOOD_SCENARIO + "ipv6: {only_pass_s: 99999}\n", 7, "ipv6.only_pass_s"),
    (GOOD_SCENARIO + "name2: \x07\n", 7, "not allowed"),
])
def test_hostile_scenarios_are_refused_with_file_and_line(tmp_path: Path, text: str, line: int,
                                                         words: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert words in str(caught.value), str(caught.value)
    assert caught.value.line == line, str(caught.value)


def test_a_non_utf8_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(GOOD_SCENARIO.replace("演示", "").encode() + "context: [安保]\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"gbk\.yaml:7: not UTF-8"):
        load_scenario(path)
    farm = tmp_path / "farm.yaml"
    farm.write_bytes(b"devices:\n  - id: w\n    kind: web  # \xff\n")
    with pytest.raises(ConfigError, match=r"farm\.yaml:3: not UTF-8"):
        load_farm(farm)


def test_farm_anchors_and_duplicate_keys_are_refused(tmp_path: Path) -> None:
    anchored = "devices:\n  - &w {id: w, kind: web}\n  - *w\n"
    with pytest.raises(ConfigError, match=r"farm\.yaml:2: YAML anchor &w"):
        load_farm(write(tmp_path, "farm.yaml", anchored))
    merged = "base: &b {kind: web}\ndevices:\n  - {<<: *b, id: w}\n"
    with pytest.raises(ConfigError, match=r"farm\.yaml:1: YAML anchor &b"):
        load_farm(write(tmp_path, "farm.yaml", merged))
    repeated = "devices:\n  - id: w\n    kind: web\n    headless: true\n    headless: false\n"
    with pytest.raises(ConfigError, match=r"farm\.yaml:5: key 'headless' repeats line 4"):
        load_farm(write(tmp_path, "farm.yaml", repeated))


def test_a_huge_config_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", GOOD_SCENARIO + "# " + "x" * (2 << 20) + "\n")
    with pytest.raises(ConfigError, match="at most"):
        load_scenario(path)


def test_serve_runs_only_the_projects_samples_unless_allowed(root: Path, tmp_path: Path) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "app.py").write_text("import os\n", encoding="utf-8")
    path = write(tmp_path, "s.yaml", GOOD_SCENARIO + "serve: backend\n")
    with pytest.raises(ConfigError, match=r"s\.yaml:7: serve: .* outside the project's samples/"):
        load_scenario(path)
    with pytest.raises(ConfigError, match="allow-serve-anywhere"):
        load_scenarios([path])
    assert load_scenario(path, allow_serve_anywhere=True).serve == backend.resolve()
    assert load_scenarios([path], allow_serve_anywhere=True)[0].serve == backend.resolve()
    # A link out of samples/ is judged by where it leads.
    sneaky = write(tmp_path, "t.yaml", GOOD_SCENARIO + f"serve: {root / 'samples' / '..' / '..' / backend}\n")
    with pytest.raises(ConfigError, match="outside"):
        load_scenario(sneaky)
    bundled = write(tmp_path, "u.yaml", GOOD_SCENARIO + f"serve: {root / 'samples' / 'ebantong'}\n")
    assert load_scenario(bundled).serve == (root / "samples" / "ebantong").resolve()


def test_fingertip_sweep_refuses_serve_outside_samples(tmp_path: Path, root: Path) -> None:
    from harness.cli import main

    backend = tmp_path / "backend"
    backend.mkdir()
    (backend / "app.py").write_text("", encoding="utf-8")
    write(tmp_path, "s.yaml", GOOD_SCENARIO + "serve: backend\n")
    code = main(["sweep", "--farm", str(root / "device_farm.yaml"), "--scenarios", str(tmp_path / "s.yaml"),
                 "--out", str(tmp_path / "reports")])
    assert code == 2
    assert not (tmp_path / "reports").exists()
