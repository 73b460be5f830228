"""HAP and APP packages built in the tests: zips with module.json and pack.info as DevEco's packer
writes them (stage model, API levels encoded as 50000012 for 5.0.0(12)), and resources.index as restool writes it
(`resources_index`), so `$string:app_name` resolves to the app's name."""

from __future__ import annotations

import json
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RESOURCE_TYPES = {"string": 9, "color": 14, "media": 19}
"""ResType (developtools_global_resource_tool include/resource_data.h)."""
FIRST_ID = 0x01000000
"""restool's first application resource id."""
Resource = tuple[str, str, dict[str, str]]
"""(type, name, {qualifier folder: value}), e.g. ("string", "app_name", {"base": "…", "zh_CN": "…"})."""


@dataclass(frozen=True)
class HapSpec:
    bundle: str = "com.fingertip.harmony"
    module: str = "entry"
    ability: str = "EntryAbility"
    version_code: int = 1000000
    version_name: str = "1.0.0"
    min_api: int = 12
    target_api: int = 12
    permissions: tuple[str, ...] = ("ohos.permission.INTERNET", "ohos.permission.LOCATION",
                                    "ohos.permission.APPROXIMATELY_LOCATION", "ohos.permission.LOCATION_IN_BACKGROUND",
                                    "ohos.permission.CAMERA")
    background_modes: tuple[str, ...] = ("location",)
    abis: tuple[str, ...] = ("arm64-v8a",)
    app_name: str = "指尖测试"
    """The value of `$string:app_name` in resources.index (module.json's app.label refers to it)."""
    index_layout: Literal["restool", "restoolv2"] = "restool"
    extra: dict[str, Any] = field(default_factory=dict)


def module_json(spec: HapSpec, module_type: str = "entry") -> dict[str, Any]:
    encoded = lambda api: 50000000 + api  # noqa: E731 - 5.0.0(api)
    return {
        "app": {"bundleName": spec.bundle, "vendor": "fingertip", "versionCode": spec.version_code,
                "versionName": spec.version_name, "minAPIVersion": encoded(spec.min_api),
                "targetAPIVersion": encoded(spec.target_api), "apiReleaseType": "Release", "label": "$string:app_name",
                "bundleType": "app", "compileSdkType": "HarmonyOS"},
        "module": {"name": spec.module, "type": module_type, "mainElement": spec.ability, "deviceTypes": ["phone"],
                   "abilities": [{"name": spec.ability, "srcEntry": "./ets/entryability/EntryAbility.ets",
                                  "exported": True, "backgroundModes": list(spec.background_modes),
                                  "skills": [{"entities": ["entity.system.home"], "actions": ["action.system.home"]}]}],
                   "requestPermissions": [{"name": p, "reason": "$string:reason"} for p in spec.permissions]},
        **spec.extra,
    }


def pack_info(spec: HapSpec, features: tuple[str, ...] = ()) -> dict[str, Any]:
    modules = [(spec.module, "entry"), *((f, "feature") for f in features)]
    return {"summary": {"app": {"bundleName": spec.bundle, "version": {"code": spec.version_code,
                                                                       "name": spec.version_name}},
                        "modules": [{"mainAbility": spec.ability, "deviceType": ["phone"],
                                     "distro": {"moduleType": kind, "moduleName": name,
                                                "installationFree": False},
                                     "apiVersion": {"compatible": spec.min_api, "target": spec.target_api,
                                                    "releaseType": "Release"}} for name, kind in modules]},
            "packages": [{"name": f"{name}-default", "moduleType": kind, "deviceType": ["phone"]}
                         for name, kind in modules]}


def _key_params(folder: str) -> list[tuple[int, int]]:
    """A qualifier folder name as restool's KeyParser::Parse reads it (src/key_parser.cpp): `base` has none;
    language / script / region are their letters packed big-endian (PushLSR); the rest are enum values."""
    if folder == "base":
        return []
    named = {"vertical": (3, 0), "horizontal": (3, 1), "phone": (4, 0), "tablet": (4, 1), "car": (4, 2), "tv": (4, 4),
             "wearable": (4, 6), "2in1": (4, 7), "dark": (6, 0), "light": (6, 1), "pointingdevice": (10, 0),
             "sdpi": (2, 120), "mdpi": (2, 160), "ldpi": (2, 240), "xldpi": (2, 320), "xxldpi": (2, 480),
             "xxxldpi": (2, 640)}
    packed = lambda text: int.from_bytes(text.encode(), "big")  # noqa: E731 - PushLSR
    params: list[tuple[int, int]] = []
    for part in folder.split("-"):
        if part in named:
            params.append(named[part])
            continue
        for piece in part.split("_"):  # language, then a 4-letter script, then a region
            kind = 0 if piece.islower() else 5 if len(piece) == 4 else 1
            params.append((kind, packed(piece)))
    return params


def resources_index(resources: list[Resource], layout: Literal["restool", "restoolv2"] = "restool",
                    version: str = "") -> bytes:
    """resources.index bytes as restool writes them (developtools_global_resource_tool src/resource_table.cpp):
    "restool" follows ResourceTable::SaveToResouorceIndex (Prepare, SaveRecordItem, SaveHeader,
    SaveLimitKeyConfigs, SaveIdSets; records composed by ResourceUtil::ComposeStrings with a NUL),
    "restoolv2" follows SaveToNewResouorceIndex (PrepareKeyConfig, PrepareResIndex, PrepareResInfo,
    WriteDataPool, WriteToIndex). Ids are given in order from 0x01000000; qualifiers are written sorted by folder
    name, as restool's std::map keeps them."""
    ids = {(kind, name): FIRST_ID + i for i, (kind, name, _) in enumerate(resources)}
    configs: dict[str, list[tuple[int, int, str, str]]] = {}
    for kind, name, values in resources:
        for folder, value in values.items():
            configs.setdefault(folder, []).append((ids[kind, name], RESOURCE_TYPES[kind], name, value))
    ordered = sorted(configs.items())
    if layout == "restoolv2":
        return _index_v2(ordered, version or "RestoolV2 6.0.0.003")
    head = (version or "Restool 5.0.1.011").encode().ljust(128, b"\0")
    pos = 136 + sum(12 + 8 * len(_key_params(f)) for f, _ in ordered)
    ids_at: list[int] = []
    for _, items in ordered:
        ids_at.append(pos)
        pos += 8 + 8 * len(items)
    keys, idss, records = b"", b"", b""
    for (folder, items), at in zip(ordered, ids_at, strict=True):
        params = _key_params(folder)
        keys += b"KEYS" + struct.pack("<II", at, len(params)) + b"".join(struct.pack("<ii", *p) for p in params)
        idss += b"IDSS" + struct.pack("<I", len(items))
        for rid, kind, name, value in sorted(items):
            data = b"".join(struct.pack("<H", len(t) + 1) + t + b"\0" for t in (value.encode(), name.encode()))
            idss += struct.pack("<II", rid, pos + len(records))
            records += struct.pack("<IiI", 8 + len(data), kind, rid) + data
    body = keys + idss + records
    return head + struct.pack("<II", 136 + len(body), len(ordered)) + body


def _index_v2(ordered: list[tuple[str, list[tuple[int, int, str, str]]]], version: str) -> bytes:
    keys = b""
    pool = b""
    infos: dict[int, list[tuple[int, int]]] = {}  # resId -> (configId, offset in the pool)
    names: dict[int, dict[int, str]] = {}  # resType -> resId -> name
    for config_id, (folder, items) in enumerate(ordered):
        params = _key_params(folder)
        keys += b"KEYS" + struct.pack("<II", config_id, len(params)) + b"".join(struct.pack("<ii", *p) for p in params)
        for rid, kind, name, value in items:
            names.setdefault(kind, {})[rid] = name
            infos.setdefault(rid, []).append((config_id, len(pool)))
            pool += struct.pack("<H", len(value.encode())) + value.encode()
    header_len = 140 + len(keys)
    idset_len = 16 + sum(12 + sum(12 + len(n.encode()) for n in by_id.values()) for by_id in names.values())
    data_offset = header_len + idset_len
    data_len = 12 + sum(12 + 8 * len(v) for v in infos.values())
    block, info_at = b"", {}
    for rid, values in sorted(infos.items()):
        info_at[rid] = data_offset + 12 + len(block)
        block += struct.pack("<III", rid, 12 + 8 * len(values), len(values))
        block += b"".join(struct.pack("<II", c, data_offset + data_len + o) for c, o in values)
    data = b"DATA" + struct.pack("<II", data_len, len(infos)) + block
    idset = b"IDSS" + struct.pack("<III", idset_len, len(names), len(infos))
    for kind, by_id in sorted(names.items()):
        entries = b"".join(struct.pack("<III", rid, info_at[rid], len(n.encode())) + n.encode()
                           for rid, n in sorted(by_id.items()))
        idset += struct.pack("<III", kind, 12 + len(entries), len(by_id)) + entries
    total = header_len + idset_len + data_len + len(pool)
    head = version.encode().ljust(128, b"\0") + struct.pack("<III", total, len(ordered), data_offset)
    return head + keys + idset + data + pool


def hap_resources(spec: HapSpec) -> list[Resource]:
    """What a DevEco entry module's resources hold: the app's name, a permission reason, the icon."""
    return [("string", "app_name", {"base": spec.app_name}),
            ("string", "reason", {"base": "用于测试", "en_US": "for testing"}),
            ("media", "icon", {"base": "entry/resources/base/media/icon.png"})]


def build_hap(spec: HapSpec, folder: Path, module_type: str = "entry") -> Path:
    path = folder / f"{spec.bundle}.hap"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.json", json.dumps(module_json(spec, module_type), ensure_ascii=False, indent=2))
        archive.writestr("pack.info", json.dumps(pack_info(spec), indent=2))
        archive.writestr("resources.index", resources_index(hap_resources(spec), spec.index_layout))
        archive.writestr("ets/modules.abc", b"PANDA\0\0\0")
        for abi in spec.abis:
            archive.writestr(f"libs/{abi}/libentry.so", b"\x7fELF")
    return path


def build_app(spec: HapSpec, folder: Path, features: tuple[str, ...] = ()) -> Path:
    """An .app as DevEco packs it for AppGallery: pack.info and the signed HAPs named `<module>-default-signed.hap`
    (feature HAPs stored first, so the entry is found by its module type, not by its place)."""
    path = folder / f"{spec.bundle}.app"
    work = folder / f"{spec.bundle}-haps"
    work.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for feature in features:
            hap = build_hap(HapSpec(bundle=spec.bundle, module=feature, ability=f"{feature.title()}Ability",
                                    min_api=spec.min_api, target_api=spec.target_api), work, "feature")
            archive.write(hap, f"{feature}-default-signed.hap")
        archive.write(build_hap(spec, work), f"{spec.module}-default-signed.hap")
        archive.writestr("pack.info", json.dumps(pack_info(spec, features), indent=2))
    return path
