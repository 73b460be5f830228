"""device_farm.yaml: the devices a sweep may lease, parsed once into models.

Each entry names a `kind`; the kind picks the model (and later the backend) from a registry,
so a new backend adds a model here and a class in harness/devices without an if-chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

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


class ServerAddress(_Strict):
    """`host:port` of an adb or hdc server, parsed once: the host without brackets, the port a number."""

    host: str
    port: Annotated[int, Field(ge=1, le=65535)]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        host, sep, port = value.rpartition(":")
        bracketed = host.startswith("[") and host.endswith("]")
        host = host[1:-1] if bracketed else host
        if not sep or not host or not port.isdigit() or (":" in host and not bracketed):
            raise ValueError(f"{value!r} is not host:port (e.g. 192.168.1.20:5037, [fd00::20]:5037)")
        return {"host": host, "port": int(port)}

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def is_local(self) -> bool:
        """On this machine: `adb reverse` / `adb forward` end here."""
        return self.host in ("127.0.0.1", "localhost", "::1")


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


class AdbDeviceSpec(DeviceSpecBase):
    """What every adb-driven entry has: where its adb server is, Appium, recording, Frida."""

    adb_server: ServerAddress | None = None
    """`host:port` of the adb server (IPv6 in brackets); None: the local one on 127.0.0.1:5037."""
    appium: str = "local"
    """`local`: the harness starts its own Appium 3 (UiAutomator2 driver); otherwise a running server's URL."""
    recorder: Recorder = "auto"
    frida: FridaSpec = Field(default_factory=FridaSpec)

    @property
    def adb_address(self) -> ServerAddress:
        return self.adb_server or ServerAddress(host="127.0.0.1", port=5037)

    @property
    def remote_adb_host(self) -> str | None:
        """The adb server's host when it is another machine: `adb reverse` / `adb forward` end there."""
        return None if self.adb_server is None or self.adb_server.is_local else self.adb_server.host


class AndroidDeviceSpec(AdbDeviceSpec):
    """A real Android phone or an already running emulator, by adb serial."""

    kind: Literal["android"] = "android"
    serial: str


class AvdDeviceSpec(AdbDeviceSpec):
    """An Android Virtual Device the harness boots headless and stops again (on this machine: its adb server,
    if named, must be a local one)."""

    kind: Literal["avd"] = "avd"
    avd: str
    wipe: bool = True
    """Boot with wiped user data; False boots the AVD's snapshot without saving over it."""

    @field_validator("adb_server")
    @classmethod
    def _local(cls, value: ServerAddress | None) -> ServerAddress | None:
        if value is not None and not value.is_local:
            raise ValueError("an AVD the harness boots runs on this machine: its adb server must be local")
        return value


class HarmonyDeviceSpec(DeviceSpecBase):
    """A HarmonyOS NEXT phone or DevEco emulator, by hdc connect key."""

    kind: Literal["harmony"] = "harmony"
    target: str
    """hdc connect key: a USB serial, or `127.0.0.1:5555` for a DevEco emulator."""
    hdc_server: ServerAddress | None = None
    """`host:port` of a remote hdc server (`hdc -s`, IPv6 in brackets); None uses the local one."""
    emulator: str | None = None
    """Name of a DevEco emulator instance the harness may start and stop."""
    proxy: Literal["none", "wifi", "app"] = "none"
    """How the app's traffic reaches the capture proxy: `wifi` — the device's Wi-Fi proxy is set (once, by
    hand) to 127.0.0.1:`proxy_port`, which the harness maps to the run's proxy with `hdc rport`; `app` — the
    app itself is configured to use that address; `none` — no capture (traffic articles are skipped)."""
    proxy_port: Annotated[int, Field(ge=1, le=65535)] = 8888
    frame_interval_s: Annotated[float, Field(ge=0.2, le=10)] = 1.0
    """Screen recording takes a screenshot this often (HarmonyOS has no screen recorder hdc can drive)."""


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
