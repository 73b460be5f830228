"""HarmonyOS labels resolved from resources.index: both layouts restool writes (tests/fakes/hap_build.py
`resources_index`, written from restool's resource_table.cpp), which qualifier's value names the app, references
that do not resolve, and hostile indexes (truncated, counts and offsets past the end) ending as an unresolved
label in bounded time, never an exception."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path
from typing import Literal

import pytest

from harness.static.hap import read_hap
from harness.static.hap_resources import (
    MAX_CONFIGS,
    ResourceIndexError,
    choose,
    header,
    resolve_label,
    string_values,
)
from tests.fakes.hap_build import HapSpec, Resource, build_app, build_hap, resources_index

LAYOUTS: tuple[Literal["restool", "restoolv2"], ...] = ("restool", "restoolv2")
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "device-outputs"


def names(base: str = "", **locales: str) -> list[Resource]:
    values = {"base": base} if base else {}
    values.update({q: v for q, v in locales.items()})
    return [("color", "app_name", {"base": "#FF0000"}),  # the same name, another type: never the label
            ("string", "app_name", values),
            ("media", "icon", {"base": "entry/resources/base/media/icon.png"})]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_label_reference_resolves_to_the_base_value(layout: Literal["restool", "restoolv2"]) -> None:
    index = resources_index(names("市民服务", zh_CN="市民服务（中文）", en_US="Citizen Services"), layout)
    assert header(index)[0] == layout
    label = resolve_label("$string:app_name", index)
    assert (label.label, label.qualifier, label.reference, label.layout) == (
        "市民服务", "base", "$string:app_name", layout)
    assert label.resolved


@pytest.mark.parametrize("layout", LAYOUTS)
def test_without_a_base_value_zh_cn_is_taken_before_english(layout: Literal["restool", "restoolv2"]) -> None:
    index = resources_index(names(en_US="Citizen Services", zh_CN="市民服务", dark="暗色"), layout)
    values = string_values(index, name="app_name").values
    assert sorted(v.qualifier.name for v in values) == ["dark", "en_US", "zh_CN"]
    assert resolve_label("$string:app_name", index).label == "市民服务"
    english = resources_index(names(en_US="Citizen Services", dark="暗色"), layout)
    assert (resolve_label("$string:app_name", english).label, resolve_label("$string:app_name", english).qualifier) \
        == ("Citizen Services", "en_US")
    only = resources_index(names(**{"phone": "手机版", "zh_Hans_CN-dark": "暗色"}), layout)
    assert resolve_label("$string:app_name", only).qualifier == "phone"  # the first, as restool sorts folders


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_value_referring_to_another_string_is_followed(layout: Literal["restool", "restoolv2"]) -> None:
    """restool compiles `$string:real_name` inside a value to `$string:<id>` (ids from 0x01000000 here)."""
    index = resources_index([("string", "real_name", {"base": "一网通办"}),
                             ("string", "app_name", {"base": f"$string:{0x01000000}"})], layout)
    assert resolve_label("$string:app_name", index).label == "一网通办"
    loop = resources_index([("string", "app_name", {"base": f"$string:{0x01000000}"})], layout)
    assert "references in a row" in resolve_label("$string:app_name", loop).problem


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_reference_that_does_not_resolve_is_no_name(layout: Literal["restool", "restoolv2"]) -> None:
    index = resources_index(names("市民服务"), layout)
    missing = resolve_label("$string:other_name", index)
    assert (missing.label, missing.reference, missing.resolved) == ("", "$string:other_name", False)
    assert "no string other_name" in missing.problem
    assert resolve_label("$media:icon", index).problem == "not a $string reference of this app"
    assert resolve_label("$ohos:string:app_name", index).label == ""
    assert resolve_label("$string:app_name", None).problem == "the HAP has no resources.index"
    assert resolve_label("市民服务", None).label == "市民服务"  # a literal label is the name


def test_a_label_is_one_readable_line() -> None:
    index = resources_index(names("市民\n服务\u202e\x1b[31m"))
    assert resolve_label("$string:app_name", index).label == "市民 服务[31m"
    assert resolve_label("$string:app_name", resources_index(names(" "))).problem == "string app_name is empty"


def test_the_qualifier_folder_names_come_back() -> None:
    folders = ["base", "zh_CN", "zh_Hans_CN", "en_US-dark", "phone", "tablet-xldpi", "horizontal"]
    index = resources_index([("string", "app_name", {f: f for f in folders})], "restoolv2")
    assert sorted(v.qualifier.name for v in string_values(index, name="app_name").values) == sorted(folders)
    assert choose([]) is None


def hostile(layout: Literal["restool", "restoolv2"]) -> dict[str, bytes]:
    good = resources_index(names("市民服务", zh_CN="市民服务"), layout)
    keys_at = 136 if layout == "restool" else 140
    first_offset = keys_at + 4  # classic: the IDSS offset of the first qualifier; v2: its config id

    def put(data: bytes, at: int, value: int) -> bytes:
        return data[:at] + struct.pack("<I", value) + data[at + 4:]

    cases = {
        "empty": b"",
        "header only": good[:keys_at],
        "truncated in the keys": good[:keys_at + 10],
        "truncated in the middle": good[:len(good) // 2],
        "truncated at the end": good[:-3],
        "no version": b"\0" * 128 + good[128:],
        "key count zero": put(good, 132, 0),
        "key count huge": put(good, 132, 0xFFFFFFFF),
        "key count over the cap": put(good, 132, MAX_CONFIGS + 1),
        "param count huge": put(good, keys_at + 8, 0x7FFFFFFF),
        "wrong key tag": good[:keys_at] + b"KEYZ" + good[keys_at + 4:],
        "all bytes 0xff after the header": good[:136] + b"\xff" * (len(good) - 136),
    }
    if layout == "restool":
        cases["IDSS offset past the end"] = put(good, first_offset, 0xFFFFFF00)
        cases["IDSS offset inside the header"] = put(good, first_offset, 4)
        ids_at = struct.unpack_from("<I", good, first_offset)[0]
        cases["id count huge"] = put(good, ids_at + 4, 0x10000000)
        string = ids_at + 8 + 8 + 4  # the base qualifier's second entry (ids sorted): the string app_name
        cases["record offset past the end"] = put(good, string, 0xFFFFFFF0)
        cases["record offset at the last byte"] = put(good, string, len(good) - 1)
        record = struct.unpack_from("<I", good, string)[0]
        cases["value length past the end"] = good[:record + 12] + b"\xff\xff" + good[record + 14:]
        cases["value length zero"] = good[:record + 12] + b"\0\0" + good[record + 14:]
    else:
        ids_at = good.index(b"IDSS")
        entry = ids_at + 16 + 12  # types sorted: the string type first, its first entry app_name
        cases["type count huge"] = put(good, ids_at + 8, 0xFFFF)
        cases["resource count huge"] = put(good, ids_at + 16 + 8, 0x0FFFFFFF)
        cases["ResInfo offset past the end"] = put(good, entry + 4, 0xFFFFFFF0)
        cases["ResInfo offset inside the header"] = put(good, entry + 4, 8)
        cases["name length huge"] = put(good, entry + 8, 0xFFFFFFF0)
        info = struct.unpack_from("<I", good, entry + 4)[0]
        cases["value count huge"] = put(good, info + 8, 0xFFFFFF)
        cases["data offset past the end"] = put(good, info + 16, 0xFFFFFFFE)
    return cases


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hostile_indexes_end_as_an_unresolved_label(layout: Literal["restool", "restoolv2"]) -> None:
    for case, data in hostile(layout).items():
        started = time.monotonic()
        label = resolve_label("$string:app_name", data)
        assert time.monotonic() - started < 1, case
        assert (label.label, label.reference) == ("", "$string:app_name"), case
        assert label.problem.startswith("resources.index unreadable: "), case


def test_many_qualifiers_sharing_one_huge_id_set_are_cut_off() -> None:
    """4096 qualifiers all pointing at one IDSS of 250,000 entries: the lookup stops at MAX_VISITS."""
    n_keys, n_ids = MAX_CONFIGS, 250_000
    keys_len = 12 * n_keys
    ids_at = 136 + keys_len
    record_at = ids_at + 8 + 8 * n_ids
    record = struct.pack("<IiI", 0, 14, 1)  # a color: skipped without reading further
    body = (b"KEYS" + struct.pack("<II", ids_at, 0)) * n_keys
    body += b"IDSS" + struct.pack("<I", n_ids) + struct.pack("<II", 1, record_at) * n_ids + record
    data = b"Restool 5.0.1.011".ljust(128, b"\0") + struct.pack("<II", 136 + len(body), n_keys) + body
    started = time.monotonic()
    with pytest.raises(ResourceIndexError, match="entries visited"):
        string_values(data, name="app_name")
    assert time.monotonic() - started < 5
    assert "entries visited" in resolve_label("$string:app_name", data).problem


@pytest.mark.parametrize("layout", LAYOUTS)
def test_read_hap_names_the_app_from_its_index(tmp_path: Path, layout: Literal["restool", "restoolv2"]) -> None:
    facts = read_hap(build_hap(HapSpec(app_name="市民服务", index_layout=layout), tmp_path))
    assert facts.label == "市民服务"
    assert (facts.extra["label_reference"], facts.extra["label_qualifier"]) == ("$string:app_name", "base")
    bundle = read_hap(build_app(HapSpec(bundle="com.fingertip.bundle", app_name="一网通办"), tmp_path,
                                features=("feature",)))
    assert bundle.label == "一网通办"  # the entry HAP's index, not the feature's


def test_read_hap_keeps_an_unresolved_reference_visible(tmp_path: Path) -> None:
    source = build_hap(HapSpec(), tmp_path)
    for case, index in {"no index": None, "zeros": b"\0" * 16,
                        "another name": resources_index([("string", "title", {"base": "x"})])}.items():
        hap = tmp_path / f"{case}.hap"
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(hap, "w") as copy:
            for name in original.namelist():
                if name != "resources.index":
                    copy.writestr(name, original.read(name))
            if index is not None:
                copy.writestr("resources.index", index)
        facts = read_hap(hap)
        assert facts.label == "", case
        assert facts.extra["label_reference"] == "$string:app_name", case
        assert facts.extra["label_unresolved"], case
        assert "label_qualifier" not in facts.extra, case


def shared_indexes() -> list[Path]:
    return sorted(SHARED.rglob("resources.index")) if SHARED.is_dir() else []


@pytest.mark.skipif(not shared_indexes(), reason=f"no resources.index under {SHARED}")
@pytest.mark.parametrize("path", shared_indexes() or [None], ids=lambda p: p.name if p else "none")
def test_real_indexes_from_device_outputs(path: Path) -> None:
    """A resources.index captured from a real HAP: its header is one of the two layouts, and `app_name` (what
    DevEco's template names the app) resolves or is reported unresolved without an exception."""
    data = path.read_bytes()
    _, version = header(data)
    assert version.split(" ", 1)[0] in ("Restool", "RestoolV2"), version
    label = resolve_label("$string:app_name", data)
    assert label.resolved or label.problem
