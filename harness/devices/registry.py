"""Backends by farm kind: a dict, not an if-chain. A kind without a backend here is skipped, honestly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.config.farm import AndroidDeviceSpec, AvdDeviceSpec, DeviceSpecBase, HarmonyDeviceSpec, WebDeviceSpec
from harness.devices.protocol import Device
from harness.errors import BackendUnavailable

PLATFORM_OF_KIND = {"web": "web", "android": "android", "avd": "android", "harmony": "harmony"}


def _web(spec: DeviceSpecBase, work_dir: Path) -> Device:
    from harness.devices.web.device import WebDevice

    assert isinstance(spec, WebDeviceSpec)
    return WebDevice(spec, work_dir)


def _android(spec: DeviceSpecBase, work_dir: Path) -> Device:
    from harness.devices.android.device import AndroidDevice

    assert isinstance(spec, AndroidDeviceSpec | AvdDeviceSpec)
    return AndroidDevice(spec, work_dir)


def _harmony(spec: DeviceSpecBase, work_dir: Path) -> Device:
    from harness.devices.harmony.device import HarmonyDevice

    assert isinstance(spec, HarmonyDeviceSpec)
    return HarmonyDevice(spec, work_dir)


BACKENDS: dict[str, Callable[[DeviceSpecBase, Path], Device]] = {
    "web": _web, "android": _android, "avd": _android, "harmony": _harmony}


def open_device(spec: DeviceSpecBase, work_dir: Path) -> Device:
    factory = BACKENDS.get(spec.kind)
    if factory is None:
        raise BackendUnavailable(spec.id, f"no backend for kind {spec.kind!r} in this version of Fingertip yet")
    return factory(spec, work_dir)
