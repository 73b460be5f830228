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


def build_hap(spec: HapSpec, folder: Path, module_type: str = "entry") -> Path:
    path = folder / f"{spec.bundle}.hap"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.json", json.dumps(module_json(spec, module_type), ensure_ascii=False, indent=2))
        archive.writestr("pack.info", json.dumps(pack_info(spec), indent=2))
        archive.writestr("resources.index", b"\0" * 16)
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
