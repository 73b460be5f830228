"""One entry per farm kind — its spec model, platform, factory, health check and doctor line — that the rest
of the harness reads: a dict, not an if-chain. A kind without an entry is skipped, honestly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.config.farm import (
    DEVICE_KINDS,
    AndroidDeviceSpec,
    AvdDeviceSpec,
    DeviceSpecBase,
    HarmonyDeviceSpec,
    WebDeviceSpec,
)
from harness.devices import health
from harness.devices.protocol import Device
from harness.errors import BackendUnavailable


@dataclass(frozen=True)
class Backend:
    kind: str
    spec: type[DeviceSpecBase]
    platform: str
    """The apps it runs: web · android · harmony."""
    factory: Callable[[DeviceSpecBase, Path], Device]
    """spec, work folder → the device (entered by the session)."""
    health: Callable[[DeviceSpecBase], health.Health]
    """`fingertip devices`: the entry's state without running an app."""
    doctor: str
    """The `fingertip doctor` line whose tools it needs."""


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


BACKENDS: dict[str, Backend] = {b.kind: b for b in (
    Backend("web", DEVICE_KINDS["web"], "web", _web, health.web, "web"),
    Backend("android", DEVICE_KINDS["android"], "android", _android, health.android, "android"),
    Backend("avd", DEVICE_KINDS["avd"], "android", _android, health.avd, "android"),
    Backend("harmony", DEVICE_KINDS["harmony"], "harmony", _harmony, health.harmony, "harmony"),
)}

PLATFORM_OF_KIND = {kind: backend.platform for kind, backend in BACKENDS.items()}


def open_device(spec: DeviceSpecBase, work_dir: Path) -> Device:
    backend = BACKENDS.get(spec.kind)
    if backend is None:
        raise BackendUnavailable(spec.id, f"no backend for kind {spec.kind!r} in this version of Fingertip yet")
    return backend.factory(spec, work_dir)
