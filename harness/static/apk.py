"""APK facts with androguard: package, launcher, SDK levels, native ABIs, permissions, cleartext.

androguard decompresses entries without a size limit, so it never sees the app's zip: the manifest and
resources are read here under caps (harness/static/archive.py) and handed to it in a small zip of their own;
the original file is only scanned for its signature schemes, which decompresses nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from harness.static.archive import MAX_MANIFEST_BYTES, MAX_RESOURCES_BYTES, check_file, open_zip, read_entry
from harness.static.facts import PackageError, PackageFacts
from harness.static.names import ANDROID_CLASS, ANDROID_PACKAGE

CLEARTEXT_DEFAULT_UNTIL = 27
"""Apps targeting API 28 or later get cleartext traffic off unless they turn it on."""
MAX_TEXT = 200
"""Labels and version names are the app's words: kept short."""


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    return str(value or "")[:MAX_TEXT]


def _androguard(path: Path, manifest: bytes, resources: bytes | None) -> Any:
    from androguard.core.apk import APK
    from loguru import logger

    logger.disable("androguard")  # it logs every parsing step; what matters is raised or returned
    bounded = io.BytesIO()
    with zipfile.ZipFile(bounded, "w", zipfile.ZIP_STORED) as small:
        small.writestr("AndroidManifest.xml", manifest)
        if resources is not None:
            small.writestr("resources.arsc", resources)
    try:
        apk = APK(bounded.getvalue(), raw=True)
    except Exception as e:  # androguard raises bare exceptions on broken manifests
        raise PackageError(path, f"androguard cannot read the manifest: {e}"[:500]) from e
    if not apk.is_valid_APK():
        raise PackageError(path, "AndroidManifest.xml is not a valid binary manifest")
    return apk


def _signatures(path: Path) -> tuple[str, ...]:
    """Signature schemes present (v1, v2, v3); unreadable signing data counts as none (an install would say)."""
    from androguard.core.apk import APK

    try:
        apk = APK(str(path), skip_analysis=True)
        return tuple(name for name, signed in (("v1", apk.is_signed_v1()), ("v2", apk.is_signed_v2()),
                                               ("v3", apk.is_signed_v3())) if signed)
    except Exception:  # a hostile signing block: the precheck does not rest on it
        return ()


def read_apk(path: Path) -> PackageFacts:
    check_file(path, "APK")
    if not zipfile.is_zipfile(path):
        raise PackageError(path, "not an APK (not a zip archive)")
    with open_zip(path, path) as archive:
        manifest = read_entry(archive, "AndroidManifest.xml", path, MAX_MANIFEST_BYTES)
        if manifest is None:
            raise PackageError(path, "no AndroidManifest.xml (not an APK)")
        resources = read_entry(archive, "resources.arsc", path, MAX_RESOURCES_BYTES)
        files = archive.namelist()
    apk = _androguard(path, manifest, resources)
    try:
        package, launcher = apk.get_package() or "", apk.get_main_activity()
        target = _int(apk.get_effective_target_sdk_version())
        declared = apk.get_attribute_value("application", "usesCleartextTraffic")
        label, version_name = _text(apk.get_app_name()), _text(apk.get_androidversion_name())
        version_code, min_api = _int(apk.get_androidversion_code()), _int(apk.get_min_sdk_version())
        permissions = tuple(sorted({_text(p) for p in apk.get_permissions()}))
        security_config = apk.get_attribute_value("application", "networkSecurityConfig")
    except Exception as e:  # a manifest androguard parsed but cannot answer about
        raise PackageError(path, f"androguard cannot read the manifest: {e}"[:500]) from e
    for rule, value in ((ANDROID_PACKAGE, package), *(((ANDROID_CLASS, launcher),) if launcher else ())):
        problem = rule.problem(value)
        if problem:
            raise PackageError(path, problem, "PACKAGE_INVALID_NAME")
    abis = sorted({f.split("/")[1] for f in files if f.startswith("lib/") and f.endswith(".so") and f.count("/") >= 2})
    cleartext = declared == "true" if declared is not None else (target or 0) <= CLEARTEXT_DEFAULT_UNTIL
    return PackageFacts(
        platform="android", path=str(path), package=package, label=label, version_name=version_name,
        version_code=version_code, launcher=launcher, min_api=min_api, target_api=target, abis=tuple(abis),
        permissions=permissions, cleartext=cleartext, network_security_config=security_config,
        signatures=_signatures(path),
    )
