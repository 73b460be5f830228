"""`fingertip devices`: each farm entry's health, without running an app (and without booting AVDs).

One function per kind, named in the backend registry (harness/devices/registry.py); each says in one line
what is wrong and what to do about it.
"""

from __future__ import annotations

import subprocess
from dataclasses import asdict, dataclass, field
from typing import Any

from harness import tools
from harness.config.farm import AndroidDeviceSpec, AvdDeviceSpec, DeviceSpecBase, HarmonyDeviceSpec, WebDeviceSpec
from harness.errors import DeviceError


@dataclass
class Health:
    id: str
    kind: str
    ok: bool
    state: str
    """ready · offline · unauthorized · missing · wrong-abi · no-backend …"""
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def web(spec: DeviceSpecBase) -> Health:
    assert isinstance(spec, WebDeviceSpec)
    missing = [f"{what} {path} is missing" for what, path in (("browser", spec.browser),
                                                              ("chromedriver", spec.chromedriver))
               if not path.exists()]
    if spec.appium == "local" and tools.appium().path is None:
        missing.append(f"Appium 3 is not installed: {tools.appium().install}")
    return Health(spec.id, spec.kind, not missing, "ready" if not missing else "missing", missing,
                  {"browser": str(spec.browser)})


def _appium_problems(appium: str) -> list[str]:
    if appium != "local":
        return []
    driver = tools.APPIUM_HOME / "node_modules" / "appium-uiautomator2-driver" / "package.json"
    problems = [] if tools.appium().path else [f"Appium 3 is not installed: {tools.appium().install}"]
    if not driver.is_file():
        problems.append("the Appium UiAutomator2 driver is not installed: ./setup.sh install")
    return problems


def android(spec: DeviceSpecBase) -> Health:
    from harness.devices.android import output as out
    from harness.devices.android.device import adb_client, check_state
    from harness.instrumentation.frida_server import ABI_ARCH, DEFAULT_CACHE, FridaServerError, find_binary

    assert isinstance(spec, AndroidDeviceSpec)
    client = adb_client(spec)
    try:
        check_state(client, spec.serial, spec.id)
    except DeviceError as e:
        message = str(e)
        state = next((s for s in ("unauthorized", "offline") if f"is {s}" in message), "missing")
        return Health(spec.id, spec.kind, False, state, [message])
    device = client.device(spec.serial)
    props = out.parse_getprop(str(device.shell("getprop", timeout=30)))
    abi = props.get("ro.product.cpu.abi", "")
    facts = {"serial": spec.serial, "model": props.get("ro.product.model", ""),
             "os": f"Android {props.get('ro.build.version.release', '?')} "
                   f"(API {props.get('ro.build.version.sdk', '?')})",
             "abi": abi, "abilist": props.get("ro.product.cpu.abilist", "")}
    problems = _appium_problems(spec.appium)
    state = "ready"
    if abi not in ABI_ARCH:
        problems.append(f"unknown ABI {abi!r} (known: {', '.join(ABI_ARCH)})")
        state = "wrong-abi"
    elif spec.frida.enabled:
        import frida

        try:
            find_binary(frida.__version__, ABI_ARCH[abi], spec.frida.server, DEFAULT_CACHE)
        except FridaServerError as e:
            problems.append(f"Frida: {e}")
    return Health(spec.id, spec.kind, not problems, state if not problems or state != "ready" else "degraded",
                  problems, facts)


def avd(spec: DeviceSpecBase) -> Health:
    assert isinstance(spec, AvdDeviceSpec)
    emulator = tools.android_emulator()
    if emulator.path is None:
        return Health(spec.id, spec.kind, False, "missing", [f"the Android emulator is not installed: "
                                                             f"{emulator.install}"])
    listed = subprocess.run([emulator.path, "-list-avds"], capture_output=True, text=True, timeout=60).stdout.split()
    problems = _appium_problems(spec.appium)
    if spec.avd not in listed:
        problems.insert(0, f"no AVD named {spec.avd!r} (this machine has: {', '.join(listed) or 'none'})")
    return Health(spec.id, spec.kind, not problems, "ready" if not problems else "missing", problems,
                  {"avd": spec.avd, "emulator": emulator.path})


def harmony(spec: DeviceSpecBase) -> Health:
    from harness.devices.harmony.device import check_target
    from harness.devices.harmony.hdc import Hdc, list_targets

    assert isinstance(spec, HarmonyDeviceSpec)
    if spec.emulator and list_targets(spec.id, spec.hdc_server).get(spec.target) is None:
        emulator = tools.deveco_emulator()
        problems = [] if emulator.path else [f"the DevEco emulator is not installed: {emulator.install}"]
        return Health(spec.id, spec.kind, not problems, "stopped" if not problems else "missing", problems,
                      {"emulator": spec.emulator, "note": "started by the sweep"})
    try:
        check_target(spec)
    except DeviceError as e:
        message = str(e)
        state = next((s for s in ("unauthorized", "offline") if f"is {s}" in message), "missing")
        return Health(spec.id, spec.kind, False, state, [message])
    hdc = Hdc(spec.id, spec.target, spec.hdc_server, timeout=20)
    api, version = hdc.param("const.ohos.apiversion"), hdc.param("const.product.software.version")
    facts = {"target": spec.target, "os": f"HarmonyOS {version} (API {api})",
             "abi": hdc.param("const.product.cpu.abilist"), "proxy": spec.proxy}
    problems = [] if spec.proxy != "none" else ["proxy: none — traffic articles will be skipped"]
    return Health(spec.id, spec.kind, True, "ready" if not problems else "degraded", problems, facts)


def health(spec: DeviceSpecBase) -> Health:
    """The entry's health by its backend's check; a kind without a backend, or a check that raises, is said
    so (never a traceback)."""
    from harness.devices.registry import BACKENDS

    backend = BACKENDS.get(spec.kind)
    if backend is None:
        return Health(spec.id, spec.kind, False, "no-backend", [f"no backend for kind {spec.kind!r} in this version"])
    try:
        return backend.health(spec)
    except Exception as e:  # a health check never takes the listing down with it
        return Health(spec.id, spec.kind, False, "error", [f"{type(e).__name__}: {e}"])
