"""HAP and APP packages built in the tests: zips with module.json and pack.info as DevEco's packer
writes them (stage model, API levels encoded as 50000012 for 5.0.0(12))."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    extra: dict[str, Any] = field(default_factory=dict)


def module_json(spec: HapSpec) -> dict[str, Any]:
    encoded = lambda api: 50000000 + api  # noqa: E731 - 5.0.0(api)
    return {
        "app": {"bundleName": spec.bundle, "vendor": "fingertip", "versionCode": spec.version_code,
                "versionName": spec.version_name, "minAPIVersion": encoded(spec.min_api),
                "targetAPIVersion": encoded(spec.target_api), "apiReleaseType": "Release", "label": "$string:app_name",
                "bundleType": "app", "compileSdkType": "HarmonyOS"},
        "module": {"name": spec.module, "type": "entry", "mainElement": spec.ability, "deviceTypes": ["phone"],
                   "abilities": [{"name": spec.ability, "srcEntry": "./ets/entryability/EntryAbility.ets",
                                  "exported": True, "backgroundModes": list(spec.background_modes),
                                  "skills": [{"entities": ["entity.system.home"], "actions": ["action.system.home"]}]}],
                   "requestPermissions": [{"name": p, "reason": "$string:reason"} for p in spec.permissions]},
        **spec.extra,
    }


def pack_info(spec: HapSpec) -> dict[str, Any]:
    return {"summary": {"app": {"bundleName": spec.bundle, "version": {"code": spec.version_code,
                                                                       "name": spec.version_name}},
                        "modules": [{"mainAbility": spec.ability, "deviceType": ["phone"],
                                     "distro": {"moduleType": "entry", "moduleName": spec.module,
                                                "installationFree": False},
                                     "apiVersion": {"compatible": spec.min_api, "target": spec.target_api,
                                                    "releaseType": "Release"}}]},
            "packages": [{"name": f"{spec.module}-default", "moduleType": "entry", "deviceType": ["phone"]}]}


def build_hap(spec: HapSpec, folder: Path) -> Path:
    path = folder / f"{spec.bundle}.hap"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.json", json.dumps(module_json(spec), ensure_ascii=False, indent=2))
        archive.writestr("pack.info", json.dumps(pack_info(spec), indent=2))
        archive.writestr("resources.index", b"\0" * 16)
        archive.writestr("ets/modules.abc", b"PANDA\0\0\0")
        for abi in spec.abis:
            archive.writestr(f"libs/{abi}/libentry.so", b"\x7fELF")
    return path


def build_app(spec: HapSpec, folder: Path) -> Path:
    """An .app: the entry HAP (named after its module) and pack.info, as AppGallery takes them."""
    hap = build_hap(spec, folder)
    path = folder / f"{spec.bundle}.app"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(hap, f"{spec.module}.hap")
        archive.writestr("pack.info", json.dumps(pack_info(spec), indent=2))
    return path
