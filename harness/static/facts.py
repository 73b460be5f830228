"""What a package declares, and whether a device can run it: one model for APK and HAP.

`precheck` compares the package with a device's API level and ABIs and names each reason an install
would fail (blocking) or what reviewers should know (notes: location in the background, camera,
cleartext traffic).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from harness.errors import AppIncompatible, PackageError

__all__ = ["PackageError"]

Severity = Literal["blocking", "note"]


@dataclass(frozen=True)
class PackageFacts:
    platform: Literal["android", "harmony"]
    path: str
    package: str
    label: str = ""
    version_name: str = ""
    version_code: int | None = None
    launcher: str | None = None
    """Android: the launcher activity (full class name); HarmonyOS: the main ability."""
    min_api: int | None = None
    target_api: int | None = None
    abis: tuple[str, ...] = ()
    """ABIs of the native libraries the package carries; empty: no native code, any ABI will do."""
    permissions: tuple[str, ...] = ()
    cleartext: bool | None = None
    """Plain-HTTP traffic allowed (Android usesCleartextTraffic or its default for the target SDK)."""
    network_security_config: str | None = None
    background_modes: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    """Signature schemes present (v1, v2, v3 on Android)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DeviceFacts:
    """What the precheck needs of a device."""

    api: int
    abis: tuple[str, ...] = ()
    os: str = ""


@dataclass(frozen=True)
class PrecheckIssue:
    severity: Severity
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


ANDROID_LOCATION = {"android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION"}
ANDROID_BACKGROUND_LOCATION = "android.permission.ACCESS_BACKGROUND_LOCATION"
ANDROID_CAMERA = "android.permission.CAMERA"
HARMONY_LOCATION = {"ohos.permission.LOCATION", "ohos.permission.APPROXIMATELY_LOCATION"}
HARMONY_BACKGROUND_LOCATION = "ohos.permission.LOCATION_IN_BACKGROUND"
HARMONY_CAMERA = "ohos.permission.CAMERA"
ANDROID_MIN_TARGET = {34: 23, 35: 24}
"""The lowest targetSdkVersion each Android release installs, from that API level on (Android 14: 23, Android 15:
24; below it INSTALL_FAILED_DEPRECATED_SDK_VERSION "App package must target at least SDK version N")."""


def permission_notes(facts: PackageFacts) -> list[PrecheckIssue]:
    """The permissions Art. 14 cares about: location (and in the background) and the camera."""
    granted = set(facts.permissions)
    location, background, camera = (
        (ANDROID_LOCATION, ANDROID_BACKGROUND_LOCATION, ANDROID_CAMERA) if facts.platform == "android"
        else (HARMONY_LOCATION, HARMONY_BACKGROUND_LOCATION, HARMONY_CAMERA))
    notes: list[PrecheckIssue] = []
    if granted & location:
        notes.append(PrecheckIssue("note", "location", "申请定位权限：" + "、".join(sorted(granted & location))))
    if background in granted:
        notes.append(PrecheckIssue("note", "background-location",
                                   f"申请后台定位（{background}）：可在后台持续获取位置，需复核是否用于轨迹上报"))
    if camera in granted:
        notes.append(PrecheckIssue("note", "camera", f"申请相机权限（{camera}）"))
    if "location" in facts.background_modes:
        notes.append(PrecheckIssue("note", "background-mode-location",
                                   "声明后台定位长时任务（backgroundModes: location）"))
    return notes


def precheck(facts: PackageFacts, device: DeviceFacts | None) -> list[PrecheckIssue]:
    """Why `facts` cannot install on `device` (blocking), and what reviewers should know (notes);
    without a device, the notes only."""
    issues = install_blockers(facts, device) if device else []
    issues += permission_notes(facts)
    if facts.cleartext:
        issues.append(PrecheckIssue("note", "cleartext", "允许明文 HTTP 流量（usesCleartextTraffic 或默认值）"))
    return issues


def install_blockers(facts: PackageFacts, device: DeviceFacts) -> list[PrecheckIssue]:
    issues: list[PrecheckIssue] = []
    system = device.os or f"API {device.api}"
    if facts.min_api is not None and facts.min_api > device.api:
        issues.append(PrecheckIssue("blocking", "min-api",
                                    f"最低 API {facts.min_api} 高于设备的 API {device.api}（{system}）：无法安装"))
    # The rule of the newest release at or below the device's API: one reason, with the device's own bound.
    rules = [since for since in ANDROID_MIN_TARGET if since <= device.api]
    if facts.platform == "android" and rules and facts.target_api is not None:
        lowest = ANDROID_MIN_TARGET[max(rules)]
        if facts.target_api < lowest:
            issues.append(PrecheckIssue(
                "blocking", "target-api",
                f"targetSdkVersion {facts.target_api} 低于 {lowest}："
                f"{f'{device.os}（API {device.api}）' if device.os else f'API {device.api}'} 拒绝安装"
                "（INSTALL_FAILED_DEPRECATED_SDK_VERSION）"))
    if facts.abis and device.abis and not set(facts.abis) & set(device.abis):
        issues.append(PrecheckIssue("blocking", "abi",
                                    f"原生库仅有 {', '.join(facts.abis)}，设备支持 {', '.join(device.abis)}：无法安装"))
    return issues


def blocking(issues: list[PrecheckIssue]) -> list[PrecheckIssue]:
    return [i for i in issues if i.severity == "blocking"]


def refuse_if_blocked(device_id: str, facts: PackageFacts, device: DeviceFacts) -> None:
    """AppIncompatible naming every reason, before anything is pushed to the device."""
    refused = blocking(precheck(facts, device))
    if refused:
        raise AppIncompatible(device_id, "；".join(i.message for i in refused), reason=refused[0].code)
