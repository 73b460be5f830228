"""HAP / APP facts (HarmonyOS NEXT): module.json and pack.info — bundle name, main ability, API levels,
requested permissions, background modes, native ABIs. An .app holds .hap files; its entry HAP is read."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from harness.static.facts import PackageError, PackageFacts


def api_level(value: Any) -> int | None:
    """Compiled module.json encodes `5.0.0(12)` as 50000012: the API level is the last three digits."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number % 1000 if number >= 1000 else number


def _json(archive: zipfile.ZipFile, name: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(archive.read(name).decode("utf-8"))
    except KeyError:
        return {}
    except (ValueError, UnicodeDecodeError) as e:
        raise PackageError(path, f"{name} is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise PackageError(path, f"{name} is not a JSON object")
    return data


def _entry_hap(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipFile:
    """An .app bundles HAPs: the entry module's, named in pack.info, or the only one."""
    haps = [n for n in archive.namelist() if n.endswith(".hap")]
    if not haps:
        raise PackageError(path, "an .app without any .hap inside")
    pack = _json(archive, "pack.info", path)
    entry = next((f"{m.get('distro', {}).get('moduleName')}.hap" for m in pack.get("summary", {}).get("modules", [])
                  if m.get("distro", {}).get("moduleType") == "entry"), None)
    chosen = next((h for h in haps if entry and h.rsplit("/", 1)[-1] == entry), haps[0])
    return zipfile.ZipFile(io.BytesIO(archive.read(chosen)))


def read_hap(path: Path) -> PackageFacts:
    if not path.is_file():
        raise PackageError(path, "no such HAP / APP file")
    if not zipfile.is_zipfile(path):
        raise PackageError(path, "not a HAP / APP (not a zip archive)")
    with zipfile.ZipFile(path) as outer:
        archive = _entry_hap(outer, path) if path.suffix.lower() == ".app" else outer
        module_json = _json(archive, "module.json", path)
        pack = _json(archive, "pack.info", path) or _json(outer, "pack.info", path)
        files = archive.namelist()
    if not module_json:
        raise PackageError(path, "no module.json (not a stage-model HAP)")
    app, module = module_json.get("app", {}), module_json.get("module", {})
    summary_modules = pack.get("summary", {}).get("modules", [])
    api: dict[str, Any] = next((m["apiVersion"] for m in summary_modules if m.get("apiVersion")), {})
    abilities = module.get("abilities", [])
    modes = sorted({mode for ability in abilities for mode in ability.get("backgroundModes", [])})
    requested = module.get("requestPermissions", [])
    permissions = sorted({p["name"] for p in requested if isinstance(p, dict) and "name" in p})
    abis = sorted({f.split("/")[1] for f in files if f.startswith("libs/") and f.endswith(".so") and f.count("/") >= 2})
    bundle = app.get("bundleName") or pack.get("summary", {}).get("app", {}).get("bundleName", "")
    if not bundle:
        raise PackageError(path, "module.json names no app.bundleName")
    return PackageFacts(
        platform="harmony", path=str(path), package=bundle, label=str(app.get("label", "")),
        version_name=str(app.get("versionName", "")), version_code=app.get("versionCode"),
        launcher=module.get("mainElement") or next((a.get("name") for a in abilities), None),
        min_api=api_level(app.get("minAPIVersion", api.get("compatible"))),
        target_api=api_level(app.get("targetAPIVersion", api.get("target"))),
        abis=tuple(abis), permissions=tuple(permissions), background_modes=tuple(modes),
        extra={"module": module.get("name", ""), "module_type": module.get("type", ""),
               "device_types": module.get("deviceTypes", [])},
    )
