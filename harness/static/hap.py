"""HAP / APP facts (HarmonyOS NEXT): module.json and pack.info — bundle name, main ability, API levels,
requested permissions, background modes, native ABIs — and the label, a `$string:` reference resolved in the HAP's
resources.index (harness/static/hap_resources.py). An .app holds .hap files; its entry HAP is read (copied
out under a cap; HAPs nested deeper are never opened). Every zip read is capped (harness/static/archive.py),
the JSON is type-checked (harness/static/hap_model.py) and the names are checked (harness/static/names.py)."""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from harness.static.archive import (
    MAX_HAPS_IN_APP,
    MAX_MANIFEST_BYTES,
    MAX_NESTED_BYTES,
    MAX_RESOURCES_BYTES,
    check_file,
    copy_entry,
    open_zip,
    read_entry,
)
from harness.static.facts import PackageError, PackageFacts
from harness.static.hap_model import ModuleJson, PackInfo
from harness.static.hap_resources import LabelResolution, resolve_label
from harness.static.names import HARMONY_ABILITY, HARMONY_BUNDLE, HARMONY_MODULE

M = TypeVar("M", bound=BaseModel)


def api_level(value: Any) -> int | None:
    """Compiled module.json encodes `5.0.0(12)` as 50000012: the API level is the last three digits."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number % 1000 if number >= 1000 else number


def _model(archive: zipfile.ZipFile, name: str, path: Path, model: type[M], inside: str = "") -> M | None:
    """`name` in `archive` parsed as JSON into `model`; None when the entry is absent."""
    where = f"{inside}: " if inside else ""
    raw = read_entry(archive, name, path, MAX_MANIFEST_BYTES, inside)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise PackageError(path, f"{where}{name} is not JSON: {e}"[:300]) from e
    if not isinstance(data, dict):
        raise PackageError(path, f"{where}{name} is not a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise PackageError(path, f"{where}{name}: {field}: {first['msg']}"[:300]) from e


def _haps(outer: zipfile.ZipFile, path: Path) -> list[str]:
    haps = [n for n in outer.namelist() if n.endswith(".hap")]
    if not haps:
        raise PackageError(path, "an .app without any .hap inside")
    if len(haps) > MAX_HAPS_IN_APP:
        raise PackageError(path, f".app 内有 {len(haps)} 个 HAP，超过上限 {MAX_HAPS_IN_APP}", "PACKAGE_TOO_LARGE")
    return haps


def _entry_name(outer: zipfile.ZipFile, path: Path, haps: list[str]) -> str:
    """The HAP whose module type is `entry`. pack.info names the module; packed HAPs are named after it with a
    suffix (`entry-default-signed.hap`), so the name is matched with or without one; failing that, each HAP's own
    module.json says its type."""
    if len(haps) == 1:
        return haps[0]
    pack = _model(outer, "pack.info", path, PackInfo) or PackInfo()
    module = next((m.distro.moduleName for m in pack.summary.modules if m.distro.moduleType == "entry"), "")
    if module:
        for hap in haps:
            base = hap.rsplit("/", 1)[-1]
            if base == f"{module}.hap" or base.startswith(f"{module}-"):
                return hap
    for hap in haps:
        with copy_entry(outer, hap, path, MAX_NESTED_BYTES) as spool, open_zip(spool, path, hap) as inner:
            found = _model(inner, "module.json", path, ModuleJson, hap)
        if found is not None and found.module.type == "entry":
            return hap
    raise PackageError(path, f"no entry HAP among {', '.join(haps)} (pack.info or module.json type entry)")


def app_haps(path: Path, folder: Path) -> list[Path]:
    """The HAPs of an .app copied out into `folder` (each capped), the entry HAP first: what an hdc too old to
    install an .app (E006001) is given instead."""
    folder.mkdir(parents=True, exist_ok=True)
    with open_zip(path, path) as outer:
        haps = _haps(outer, path)
        entry = _entry_name(outer, path, haps)
        written: list[Path] = []
        for hap in sorted(haps, key=lambda h: h != entry):
            target = folder / Path(hap).name
            with copy_entry(outer, hap, path, MAX_NESTED_BYTES) as spool, open(target, "wb") as sink:
                while chunk := spool.read(1 << 20):
                    sink.write(chunk)
            written.append(target)
    return written


@contextlib.contextmanager
def _entry_hap(outer: zipfile.ZipFile, path: Path) -> Iterator[tuple[zipfile.ZipFile, str]]:
    """An .app bundles HAPs: the entry module's is read."""
    chosen = _entry_name(outer, path, _haps(outer, path))
    with copy_entry(outer, chosen, path, MAX_NESTED_BYTES) as spool, open_zip(spool, path, chosen) as inner:
        yield inner, chosen


def _check_names(path: Path, checks: list[tuple[Any, object]]) -> None:
    for rule, value in checks:
        problem = rule.problem(value)
        if problem:
            raise PackageError(path, problem, "PACKAGE_INVALID_NAME")


def read_hap(path: Path) -> PackageFacts:
    check_file(path, "HAP / APP")
    if not zipfile.is_zipfile(path):
        raise PackageError(path, "not a HAP / APP (not a zip archive)")
    with contextlib.ExitStack() as stack:
        outer = stack.enter_context(open_zip(path, path))
        archive, inside = (stack.enter_context(_entry_hap(outer, path)) if path.suffix.lower() == ".app"
                           else (outer, ""))
        module_json = _model(archive, "module.json", path, ModuleJson, inside)
        pack = (_model(archive, "pack.info", path, PackInfo, inside) or _model(outer, "pack.info", path, PackInfo)
                or PackInfo())
        files = archive.namelist()
        index = read_entry(archive, "resources.index", path, MAX_RESOURCES_BYTES, inside) if module_json else None
    if module_json is None:
        raise PackageError(path, "no module.json (not a stage-model HAP)")
    app, module = module_json.app, module_json.module
    api = next((m.apiVersion for m in pack.summary.modules if m.apiVersion), None)
    abilities = module.abilities
    bundle = app.bundleName or pack.summary.app.bundleName
    if not bundle:
        raise PackageError(path, "module.json names no app.bundleName")
    launcher = module.mainElement or next((a.name for a in abilities), None)
    _check_names(path, [(HARMONY_BUNDLE, bundle), *([(HARMONY_MODULE, module.name)] if module.name else []),
                        *[(HARMONY_ABILITY, a.name) for a in abilities],
                        *([(HARMONY_ABILITY, launcher)] if launcher else [])])
    abis = sorted({f.split("/")[1] for f in files if f.startswith("libs/") and f.endswith(".so") and f.count("/") >= 2})
    label = resolve_label(app.label, index)
    return PackageFacts(
        platform="harmony", path=str(path), package=bundle, label=label.label,
        version_name=app.versionName[:200], version_code=app.versionCode, launcher=launcher,
        min_api=api_level(app.minAPIVersion if app.minAPIVersion is not None else api and api.compatible),
        target_api=api_level(app.targetAPIVersion if app.targetAPIVersion is not None else api and api.target),
        abis=tuple(abis), permissions=tuple(sorted({p.name for p in module.requestPermissions})),
        background_modes=tuple(sorted({mode for a in abilities for mode in a.backgroundModes})),
        extra={"module": module.name, "module_type": module.type, "device_types": list(module.deviceTypes),
               **_label_notes(label)},
    )


def _label_notes(label: LabelResolution) -> dict[str, str]:
    """Where the label came from: `$string:app_name` and whose value (`base`, `zh_CN`); unresolved, the reference
    and why, so a report never shows `$string:app_name` as if it were the app's name."""
    if not label.reference:
        return {}
    if not label.resolved:
        return {"label_reference": label.reference, "label_unresolved": label.problem}
    return {"label_reference": label.reference, "label_qualifier": label.qualifier}
