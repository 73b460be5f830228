"""APK facts with androguard: package, launcher, SDK levels, native ABIs, permissions, cleartext."""

from __future__ import annotations

import zipfile
from pathlib import Path

from harness.static.facts import PackageError, PackageFacts

CLEARTEXT_DEFAULT_UNTIL = 27
"""Apps targeting API 28 or later get cleartext traffic off unless they turn it on."""


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def read_apk(path: Path) -> PackageFacts:
    if not path.is_file():
        raise PackageError(path, "no such APK file")
    if not zipfile.is_zipfile(path):
        raise PackageError(path, "not an APK (not a zip archive)")
    from androguard.core.apk import APK
    from loguru import logger

    logger.disable("androguard")  # it logs every parsing step; what matters is raised or returned

    try:
        apk = APK(str(path))
    except Exception as e:  # androguard raises bare exceptions on broken manifests
        raise PackageError(path, f"androguard cannot read the manifest: {e}") from e
    if not apk.is_valid_APK():
        raise PackageError(path, "no AndroidManifest.xml (not an APK)")
    files = apk.get_files()
    abis = sorted({f.split("/")[1] for f in files if f.startswith("lib/") and f.endswith(".so") and f.count("/") >= 2})
    target = _int(apk.get_effective_target_sdk_version())
    declared = apk.get_attribute_value("application", "usesCleartextTraffic")
    cleartext = declared == "true" if declared is not None else (target or 0) <= CLEARTEXT_DEFAULT_UNTIL
    schemes = tuple(name for name, signed in (("v1", apk.is_signed_v1()), ("v2", apk.is_signed_v2()),
                                              ("v3", apk.is_signed_v3())) if signed)
    return PackageFacts(
        platform="android", path=str(path), package=apk.get_package() or "", label=apk.get_app_name() or "",
        version_name=apk.get_androidversion_name() or "", version_code=_int(apk.get_androidversion_code()),
        launcher=apk.get_main_activity(), min_api=_int(apk.get_min_sdk_version()), target_api=target,
        abis=tuple(abis), permissions=tuple(sorted(set(apk.get_permissions()))), cleartext=cleartext,
        network_security_config=apk.get_attribute_value("application", "networkSecurityConfig"),
        signatures=schemes,
    )
