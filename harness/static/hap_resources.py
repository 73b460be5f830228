"""A HAP's `resources.index`: the values of one string resource, so `app.label = "$string:app_name"` in module.json
becomes the name a person sees. The file comes from the app: every offset and count is checked against the
buffer before it is used, counts are capped, the work of one lookup is capped, and anything malformed is a
ResourceIndexError, which `resolve_label` turns into an unresolved label with the reason — never a crash.

Two layouts exist, told apart as OpenHarmony's resource manager does (global_resource_management
`frameworks/resmgr/src/hap_resource_manager.cpp` IsNewModule): the 128-byte version string up to its first space
is `Restool` for the classic one (`Restool 2.009`, `Restool 5.0.1.011`), anything else (`RestoolV2 6.0.0.003`,
written for API 20 and later) is the newer one. All integers are little-endian.

Classic, as restool writes it (developtools_global_resource_tool `src/resource_table.cpp` SaveToResouorceIndex)
and the device reads it (global_resource_management `frameworks/resmgr/src/hap_parser_v1.cpp`, `res_desc.h`):
  header   version[128], fileSize u32, keyCount u32
  KEYS × keyCount  "KEYS", offset u32 (of this qualifier's IDSS), paramCount u32, (keyType u32, value u32) × n
  IDSS at offset   "IDSS", idCount u32, (resId u32, offset u32 of the record) × idCount
  record           size u32, resType u32, resId u32, value, name — each a u16 length counting a trailing NUL,
                   the bytes, the NUL (ResourceUtil::ComposeStrings with addNull)

Newer (resource_table.cpp SaveToNewResouorceIndex / WriteToIndex; device: `hap_parser_v2.cpp`,
`hap_resource_v2.cpp` ParseLimitPaths):
  header   version[128], length u32, keyCount u32, dataBlockOffset u32
  KEYS × keyCount  "KEYS", configId u32, paramCount u32, (keyType u32, value u32) × n
  IDSS     "IDSS", length u32, typeCount u32, idCount u32, then per type: resType u32, length u32, count u32,
           and per resource: resId u32, offset u32 (of its ResInfo), nameLength u32, the name (no NUL)
  DATA     ResInfo at offset: resId u32, length u32, valueCount u32, (configId u32, dataOffset u32) × valueCount;
           a value at dataOffset: u16 length, the bytes (no NUL)

A qualifier's key params are restool's folder name parsed (src/key_parser.cpp): language, script and region are
their letters packed big-endian into the u32 (`zh` = 0x7A68), a qualifier without params is `base`. A compiled
string that refers to another one holds `$string:<id>` (res_desc.cpp IdItem::IsRef), followed here a few steps.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Literal

Layout = Literal["restool", "restoolv2"]

VERSION_LEN = 128
STRING = 9
"""ResType::STRING (resource_data.h)."""
MAX_CONFIGS = 4096
"""Qualifier directories one index may declare (restool writes one per directory: base, zh_CN, dark, ...)."""
MAX_PARAMS = 16
"""Key params of one qualifier (at most one of each of the 10 key types)."""
MAX_TYPES = 64
"""Resource types in a newer index (ResType stops below 30)."""
MAX_VISITS = 1_000_000
"""Entries one lookup may step over: many qualifiers pointing at one large IDSS cannot multiply the work."""
MAX_REFERENCE_STEPS = 4
MAX_LABEL_CHARS = 200

KEY_LANGUAGE, KEY_REGION, KEY_DENSITY, KEY_ORIENTATION, KEY_DEVICE, KEY_SCRIPT, KEY_COLOR, KEY_MCC, KEY_MNC = range(9)
KEY_INPUT = 10
DEVICES = {0: "phone", 1: "tablet", 2: "car", 4: "tv", 6: "wearable", 7: "2in1"}
DENSITIES = {120: "sdpi", 160: "mdpi", 240: "ldpi", 320: "xldpi", 480: "xxldpi", 640: "xxxldpi"}
PREFERRED = ("base", "zh_CN", "zh_Hans_CN", "zh", "en_US", "en")
"""Which qualifier's value names the app: the default one, else Simplified Chinese, else English, else the first."""

REFERENCE = re.compile(r"\$string:([A-Za-z0-9_.]{1,255})")
HIDDEN = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f"}
"""Direction overrides and marks: a label must not reorder what follows it in a report."""


class ResourceIndexError(ValueError):
    """resources.index is not what restool writes (truncated, a count or offset past the end, a wrong tag)."""


@dataclass(frozen=True)
class Qualifier:
    params: tuple[tuple[int, int], ...] = ()
    """(keyType, value) as stored."""

    def _text(self, key: int) -> str:
        value = next((v for k, v in self.params if k == key), None)
        if value is None:
            return ""
        letters = bytes(b for b in value.to_bytes(4, "big") if b)
        return letters.decode("ascii") if letters.isascii() and letters.isalnum() else f"?{value:x}"

    @property
    def name(self) -> str:
        """restool's folder name: `base`, `zh_CN`, `en_US-dark`, `phone`..."""
        parts: list[str] = []
        mcc = [f"{n}{v}" for k, v in self.params for n, want in (("mcc", KEY_MCC), ("mnc", KEY_MNC)) if k == want]
        if mcc:
            parts.append("_".join(mcc))
        locale = "_".join(t for t in (self._text(KEY_LANGUAGE), self._text(KEY_SCRIPT), self._text(KEY_REGION)) if t)
        if locale:
            parts.append(locale)
        for key, value in self.params:
            if key == KEY_ORIENTATION:
                parts.append("horizontal" if value else "vertical")
            elif key == KEY_DEVICE:
                parts.append(DEVICES.get(value, f"device{value}"))
            elif key == KEY_COLOR:
                parts.append("light" if value else "dark")
            elif key == KEY_INPUT:
                parts.append("pointingdevice" if value == 0 else f"input{value}")
            elif key == KEY_DENSITY:
                parts.append(DENSITIES.get(value, f"dpi{value}"))
            elif key not in (KEY_LANGUAGE, KEY_SCRIPT, KEY_REGION, KEY_MCC, KEY_MNC):
                parts.append(f"key{key}={value}")
        return "-".join(parts) or "base"


@dataclass(frozen=True)
class StringValue:
    qualifier: Qualifier
    value: str


@dataclass(frozen=True)
class Lookup:
    layout: Layout
    version: str
    values: tuple[StringValue, ...]
    """In file order (restool sorts qualifiers by folder name)."""


@dataclass(frozen=True)
class LabelResolution:
    label: str
    """What names the app: module.json's text, or the resolved string; empty when a reference did not resolve."""
    reference: str = ""
    """`$string:app_name` when module.json gave a reference."""
    qualifier: str = ""
    """Whose value was taken (`base`, `zh_CN`, ...)."""
    problem: str = ""
    """Why a reference stays unresolved."""
    layout: Layout | None = None

    @property
    def resolved(self) -> bool:
        return not self.problem


class _Buffer:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.visits = 0

    def need(self, offset: int, size: int, what: str) -> None:
        if offset < 0 or size < 0 or offset + size > len(self.data):
            raise ResourceIndexError(f"{what} at {offset} (+{size}) is past the end ({len(self.data)} bytes)")

    def u32(self, offset: int, what: str) -> int:
        self.need(offset, 4, what)
        value: int = struct.unpack_from("<I", self.data, offset)[0]
        return value

    def u16(self, offset: int, what: str) -> int:
        self.need(offset, 2, what)
        value: int = struct.unpack_from("<H", self.data, offset)[0]
        return value

    def tag(self, offset: int, expected: bytes) -> None:
        self.need(offset, 4, expected.decode())
        found = self.data[offset:offset + 4]
        if found != expected:
            raise ResourceIndexError(f"{found!r} at {offset} where {expected.decode()} belongs")

    def count(self, offset: int, what: str, cap: int, each: int) -> int:
        """A count read at `offset`, refused when over `cap` or when its entries (`each` bytes at least) cannot
        fit in what is left of the file."""
        n = self.u32(offset, what)
        if n > cap:
            raise ResourceIndexError(f"{what} {n} is over the cap of {cap}")
        if n * each > len(self.data) - offset:
            raise ResourceIndexError(f"{what} {n} is more than the file can hold")
        return n

    def visit(self, n: int) -> None:
        """`n` more entries to step over, counted before the loop that steps over them."""
        self.visits += n
        if self.visits > MAX_VISITS:
            raise ResourceIndexError(f"more than {MAX_VISITS} entries visited for one lookup")

    def params(self, offset: int, n: int) -> Qualifier:
        self.need(offset, 8 * n, "key params")
        return Qualifier(tuple(struct.unpack_from("<II", self.data, offset + 8 * i) for i in range(n)))

    def text(self, start: int, size: int) -> str:
        self.need(start, size, "string")
        return self.data[start:start + size].decode("utf-8", errors="replace")


def header(data: bytes) -> tuple[Layout, str]:
    """Which layout `data` is in, and the version string restool wrote."""
    if len(data) < VERSION_LEN + 8:
        raise ResourceIndexError(f"{len(data)} bytes: shorter than the header")
    version = data[:VERSION_LEN].split(b"\0", 1)[0].decode("ascii", errors="replace")
    if not version:
        raise ResourceIndexError("no version string in the header")
    return ("restool" if version.split(" ", 1)[0] == "Restool" else "restoolv2"), version[:64]


def string_values(data: bytes, *, name: str | None = None, res_id: int | None = None) -> Lookup:
    """The values, one per qualifier, of the string resource called `name` (or numbered `res_id`)."""
    if (name is None) == (res_id is None):
        raise ValueError("give a name or an id")
    layout, version = header(data)
    wanted = name.encode() if name is not None else None
    buf = _Buffer(data)
    found = (_classic if layout == "restool" else _v2)(buf, wanted, res_id)
    return Lookup(layout, version, tuple(found))


def _classic(buf: _Buffer, name: bytes | None, res_id: int | None) -> list[StringValue]:
    keys = buf.count(VERSION_LEN + 4, "key count", MAX_CONFIGS, 12)
    if keys == 0:
        raise ResourceIndexError("no qualifiers (key count 0)")
    found: list[StringValue] = []
    at = VERSION_LEN + 8
    for _ in range(keys):
        buf.tag(at, b"KEYS")
        ids_at = buf.u32(at + 4, "IDSS offset")
        n = buf.count(at + 8, "key param count", MAX_PARAMS, 8)
        qualifier = buf.params(at + 12, n)
        at += 12 + 8 * n
        buf.tag(ids_at, b"IDSS")
        ids = buf.count(ids_at + 4, "id count", len(buf.data), 8)
        buf.visit(ids)
        for rid, record in struct.iter_unpack("<II", buf.data[ids_at + 8:ids_at + 8 + 8 * ids]):
            if res_id is not None and rid != res_id:
                continue
            if buf.u32(record + 4, "resource type") != STRING:
                continue
            value_size = buf.u16(record + 12, "value length")
            if value_size == 0:
                raise ResourceIndexError(f"value length 0 at {record + 12} (it counts the NUL)")
            name_at = record + 14 + value_size
            name_size = buf.u16(name_at, "name length")
            if name_size == 0:
                raise ResourceIndexError(f"name length 0 at {name_at} (it counts the NUL)")
            buf.need(name_at + 2, name_size - 1, "name")
            if name is not None and buf.data[name_at + 2:name_at + 1 + name_size] != name:
                continue
            found.append(StringValue(qualifier, buf.text(record + 14, value_size - 1)))
    return found


def _v2(buf: _Buffer, name: bytes | None, res_id: int | None) -> list[StringValue]:
    keys = buf.count(VERSION_LEN + 4, "key count", MAX_CONFIGS, 12)
    if keys == 0:
        raise ResourceIndexError("no qualifiers (key count 0)")
    qualifiers: dict[int, Qualifier] = {}
    at = VERSION_LEN + 12
    for _ in range(keys):
        buf.tag(at, b"KEYS")
        config = buf.u32(at + 4, "config id")
        n = buf.count(at + 8, "key param count", MAX_PARAMS, 8)
        qualifiers[config] = buf.params(at + 12, n)
        at += 12 + 8 * n
    buf.tag(at, b"IDSS")
    types = buf.count(at + 8, "type count", MAX_TYPES, 12)
    at += 16
    resources: list[tuple[int, int]] = []
    for _ in range(types):
        kind = buf.u32(at, "resource type")
        count = buf.count(at + 8, "resource count", len(buf.data), 12)
        buf.visit(count)
        at += 12
        for _ in range(count):
            buf.need(at, 12, "resource entry")
            rid, info, size = struct.unpack_from("<III", buf.data, at)
            buf.need(at + 12, size, "name")
            if kind == STRING and (rid == res_id if res_id is not None else buf.data[at + 12:at + 12 + size] == name):
                resources.append((rid, info))
            at += 12 + size
    found: list[StringValue] = []
    for rid, info in resources[:8]:
        if buf.u32(info, "ResInfo id") != rid:
            raise ResourceIndexError(f"ResInfo at {info} is not resource {rid:#x}")
        values = buf.count(info + 8, "value count", MAX_CONFIGS, 8)
        for i in range(values):
            config, data = buf.u32(info + 12 + 8 * i, "config id"), buf.u32(info + 16 + 8 * i, "data offset")
            if config not in qualifiers:
                continue  # a qualifier this index never declared: no value to trust
            found.append(StringValue(qualifiers[config], buf.text(data + 2, buf.u16(data, "value length"))))
    return found


def choose(values: tuple[StringValue, ...] | list[StringValue]) -> StringValue | None:
    """The default (base) value, else zh_CN, else en_US (and their near kin in PREFERRED), else the first."""
    by_name: dict[str, StringValue] = {}
    for value in values:
        by_name.setdefault(value.qualifier.name, value)
    return next((by_name[q] for q in PREFERRED if q in by_name), values[0] if values else None)


def clean(text: str) -> str:
    """One line a person can read: control characters and direction overrides removed, at most 200 characters."""
    kept = "".join(" " if c in "\r\n\t" else c for c in text
                   if c in "\r\n\t" or (unicodedata.category(c) != "Cc" and c not in HIDDEN))
    return " ".join(kept.split())[:MAX_LABEL_CHARS]


def resolve_label(label: str, index: bytes | None) -> LabelResolution:
    """module.json's `app.label` as a name: text as it is, `$string:NAME` looked up in the HAP's resources.index.
    What cannot be resolved keeps the reference and the reason, and no name (a reference is not a name)."""
    if not label.startswith("$"):
        return LabelResolution(clean(label))
    reference = label[:300]
    match = REFERENCE.fullmatch(label)
    if not match:
        return LabelResolution("", reference, problem="not a $string reference of this app")
    if index is None:
        return LabelResolution("", reference, problem="the HAP has no resources.index")
    key = match.group(1)
    layout: Layout | None = None
    try:
        for _ in range(MAX_REFERENCE_STEPS):
            lookup = string_values(index, res_id=int(key)) if key.isdigit() else string_values(index, name=key)
            layout = lookup.layout
            chosen = choose(lookup.values)
            if chosen is None:
                return LabelResolution("", reference, problem=f"no string {key} in resources.index", layout=layout)
            step = REFERENCE.fullmatch(chosen.value)
            if step is None:
                text = clean(chosen.value)
                if not text:
                    return LabelResolution("", reference, problem=f"string {key} is empty", layout=layout)
                return LabelResolution(text, reference, chosen.qualifier.name, layout=layout)
            key = step.group(1)
    except ResourceIndexError as e:
        return LabelResolution("", reference, problem=f"resources.index unreadable: {e}", layout=layout)
    return LabelResolution("", reference, problem=f"more than {MAX_REFERENCE_STEPS} $string references in a row",
                           layout=layout)
