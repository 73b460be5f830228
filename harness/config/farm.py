"""device_farm.yaml: the devices a sweep may lease, parsed once into models.

Each entry names a `kind`; the kind picks the model (and later the backend) from a registry,
so a new backend adds a model here and a class in harness/devices without an if-chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from harness.config.yamlsrc import beside_config, load_yaml, safe_id, validate
from harness.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Emulation(_Strict):
    """The phone a web device pretends to be (Chromium mobile emulation)."""

    width: Annotated[int, Field(ge=200, le=2000)] = 390
    height: Annotated[int, Field(ge=300, le=3000)] = 844
    pixel_ratio: Annotated[float, Field(gt=0, le=5)] = 3.0
    user_agent: str = (
        "Mozilla/5.0 (Linux; Android 14; Fingertip Web Device) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"
    )


HookFamily = Literal["location", "camera", "media", "capture-intent", "network", "tls"]
HOOK_FAMILIES: tuple[str, ...] = get_args(HookFamily)


class FridaSpec(_Strict):
    """Frida on an Android entry: the server binary, its port on the device, the hook families."""

    enabled: bool = True
    server: Path | None = None
    """A frida-server release file (matching the installed frida's version and the device's ABI); None looks
    in the cache folder (~/.cache/fingertip/frida-server) for frida-server-<version>-android-<arch>[.xz]."""
    port: Annotated[int, Field(ge=1, le=65535)] = 27042
    families: list[HookFamily] = Field(default_factory=lambda: list(get_args(HookFamily)))

    @field_validator("server")
    @classmethod
    def _server_beside_farm(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        resolved = beside_config(value, info)
        if not resolved.is_file():
            raise ValueError(f"frida-server file {resolved} does not exist")
        return resolved


Recorder = Literal["auto", "screenrecord", "scrcpy"]
"""Android screen recording: `auto` uses scrcpy when installed, else chained `screenrecord`."""


def host_port(value: str | None) -> str | None:
    """`host:port` of a remote server (adb, hdc); IPv6 hosts in brackets."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not host:port (e.g. 192.168.1.20:5037)")
    return value


class DeviceSpecBase(_Strict):
    id: str
    kind: str
    labels: list[str] = Field(default_factory=list)
    """Free labels, e.g. `os:android-14`, used for OS-version classes in the compatibility matrix."""

    _id_is_safe = field_validator("id")(safe_id)


class WebDeviceSpec(DeviceSpecBase):
    """Local Chromium driven through Appium's chromium driver, emulating a phone."""

    kind: Literal["web"] = "web"
    browser: Path = Path("/usr/bin/chromium")
    chromedriver: Path = Path("/usr/bin/chromedriver")
    appium: str = "local"
    """`local`: the harness starts its own Appium server; otherwise the URL of a running one."""
    emulate: Emulation = Field(default_factory=Emulation)
    headless: bool = False
    """False draws into a private Xvfb display so the screen can be recorded as real video."""


class AndroidDeviceSpec(DeviceSpecBase):
    """A real Android phone or an already running emulator, by adb serial."""

    kind: Literal["android"] = "android"
    serial: str
    adb_server: str | None = None
    """`host:port` of a remote adb server; None uses the local one."""
    appium: str = "local"
    """`local`: the harness starts its own Appium 3 (UiAutomator2 driver); otherwise a running server's URL."""
    recorder: Recorder = "auto"
    frida: FridaSpec = Field(default_factory=FridaSpec)

    @field_validator("adb_server")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        return host_port(value)


class AvdDeviceSpec(DeviceSpecBase):
    """An Android Virtual Device the harness boots headless and stops again."""

    kind: Literal["avd"] = "avd"
    avd: str
    wipe: bool = True
    """Boot with wiped user data; False boots the AVD's snapshot without saving over it."""
    appium: str = "local"
    recorder: Recorder = "auto"
    frida: FridaSpec = Field(default_factory=FridaSpec)


class HarmonyDeviceSpec(DeviceSpecBase):
    """A HarmonyOS NEXT phone or DevEco emulator, by hdc connect key."""

    kind: Literal["harmony"] = "harmony"
    target: str
    """hdc connect key: a USB serial, or `127.0.0.1:5555` for a DevEco emulator."""
    hdc_server: str | None = None
    """`host:port` of a remote hdc server (`hdc -s`); None uses the local one."""
    emulator: str | None = None
    """Name of a DevEco emulator instance the harness may start and stop."""
    proxy: Literal["none", "wifi", "app"] = "none"
    """How the app's traffic reaches the capture proxy: `wifi` — the device's Wi-Fi proxy is set (once, by
    hand) to 127.0.0.1:`proxy_port`, which the harness maps to the run's proxy with `hdc rport`; `app` — the
    app itself is configured to use that address; `none` — no capture (traffic articles are skipped)."""
    proxy_port: Annotated[int, Field(ge=1, le=65535)] = 8888
    frame_interval_s: Annotated[float, Field(ge=0.2, le=10)] = 1.0
    """Screen recording takes a screenshot this often (HarmonyOS has no screen recorder hdc can drive)."""

    @field_validator("hdc_server")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        return host_port(value)


DeviceSpec = WebDeviceSpec | AndroidDeviceSpec | AvdDeviceSpec | HarmonyDeviceSpec

DEVICE_KINDS: dict[str, type[DeviceSpecBase]] = {
    "web": WebDeviceSpec,
    "android": AndroidDeviceSpec,
    "avd": AvdDeviceSpec,
    "harmony": HarmonyDeviceSpec,
}


class Farm(_Strict):
    path: Path
    devices: tuple[DeviceSpec, ...]

    def device(self, device_id: str) -> DeviceSpec:
        for spec in self.devices:
            if spec.id == device_id:
                return spec
        raise KeyError(device_id)


def parse_farm(data: Any, path: Path, lines: dict) -> Farm:
    if not isinstance(data, dict) or not isinstance(data.get("devices"), list):
        raise ConfigError(path, 1, "a farm is a mapping with a `devices:` list")
    unknown = set(data) - {"devices"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(path, lines.get((key,)), f"unknown top-level key {key!r} (expected `devices`)")
    devices: list[DeviceSpec] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data["devices"]):
        loc = ("devices", index)
        if not isinstance(entry, dict):
            raise ConfigError(path, lines.get(loc), f"devices[{index}] must be a mapping")
        kind = entry.get("kind")
        model = DEVICE_KINDS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise ConfigError(
                path,
                lines.get((*loc, "kind"), lines.get(loc)),
                f"devices[{index}].kind: {kind!r} is not one of {', '.join(DEVICE_KINDS)}",
            )
        spec = validate(model, entry, path, lines, base=loc)
        if spec.id in seen:
            raise ConfigError(path, lines.get((*loc, "id")), f"device id {spec.id!r} repeats line {seen[spec.id]}")
        seen[spec.id] = lines.get((*loc, "id"), 0)
        devices.append(spec)  # type: ignore[arg-type]
    if not devices:
        raise ConfigError(path, lines.get(("devices",)), "the farm has no devices")
    return Farm(path=path, devices=tuple(devices))


def load_farm(path: Path | str) -> Farm:
    path = Path(path)
    data, lines = load_yaml(path)
    return parse_farm(data, path, lines)
