"""HarmonyOS NEXT's outputs, parsed into data: hdc list targets / install, bm dump, aa dump, param,
faultlogger files and uitest dumpLayout trees. Pure functions over text (tests/data/harmony)."""

from __future__ import annotations

import calendar
import json
import re
import time
from typing import Any

from harness.devices.common.crash import Crash, CrashKind
from harness.devices.common.install import InstallOutcome
from harness.ui.tree import Role, Screen, UiNode

# ── hdc ─────────────────────────────────────────────────────────────────────────────────────


def parse_targets(output: str) -> dict[str, str]:
    """`hdc list targets -v` → connect key → Connected / Offline / Unauthorized …; `[Empty]` → {}."""
    targets: dict[str, str] = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] != "[Empty]":
            targets[fields[0]] = fields[2]
        elif len(fields) == 1 and fields[0] != "[Empty]":
            targets[fields[0]] = "Connected"  # without -v only connected keys are listed
    return targets


_INSTALL_ERROR = re.compile(r"code:(?P<code>\d+)\s*(?:error:\s*(?P<message>.+?))?\s*$", re.M)
# Codes from OpenHarmony's bundle framework (IStatusReceiver, the `bm` tool's error-code list): the app cannot
# run on this system. 9568339 (missing ability), 9568280 (minCompatibleVersionCode differs between HAPs) and the
# signature codes are faults of the package or its signing, not of the device.
INCOMPATIBLE_CODES = {
    "9568297": "设备系统版本低于应用要求（older sdk version in the device）",
    "9568347": "原生库 ABI 与设备不符（install parse native so failed）",
    "9568304": "应用不支持此设备类型（device type is not supported）",
    "9568413": "应用不支持此设备类型或系统能力（syscap / device type）",
}
SIGNATURE_CLASH = "9568332"
"""install sign info inconsistent: another signature of the bundle is installed (uninstall, then retry)."""
UNTRUSTED_SOURCE = "9568322"
NOT_TRUSTED_ADVICE = ("应用来源不可信（9568322）：签名的 profile 不含此设备的 UDID，或用了发布证书；"
                      "请用包含本机 UDID（hdc shell bm get -u）的调试证书重新签名")


def parse_install(output: str) -> InstallOutcome:
    """`hdc install` / `bm install` output. The code may share a line with `msg:error: failed to install
    bundle.` or stand on its own with the message on the next line (bm)."""
    if "install bundle successfully" in output:
        return InstallOutcome(True)
    found = _INSTALL_ERROR.search(output)
    if found:
        message = found["message"]
        if not message:  # bm: `code:N` then `error: …` on the next line
            following = re.search(r"^error:\s*(.+?)\s*$", output[found.end():], re.M)
            message = following[1] if following else ""
        return InstallOutcome(False, found["code"], message)
    return InstallOutcome(False, "UNKNOWN", output.strip()[-500:])


def incompatible(outcome: InstallOutcome) -> bool:
    """By code, never by words in the message (`min compatible version code not same` is not incompatibility)."""
    return not outcome.ok and outcome.reason in INCOMPATIBLE_CODES


# ── bm / aa / param ─────────────────────────────────────────────────────────────────────────


def bundle_info(output: str) -> dict[str, Any]:
    """`bm dump -n BUNDLE` prints `BUNDLE:` and then a JSON object."""
    start = output.find("{")
    if start < 0:
        return {}
    try:
        data = json.loads(output[start:])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def main_ability(info: dict[str, Any]) -> tuple[str, str] | None:
    """(module, ability) to start: the entry module's main ability."""
    modules = info.get("hapModuleInfos", [])
    entry = info.get("entryModuleName")
    ordered = sorted(modules, key=lambda m: m.get("moduleName") != entry)
    for module in ordered:
        ability = module.get("mainAbility") or module.get("mainElementName")
        if ability:
            return str(module.get("moduleName", "")), str(ability)
    return None


_MISSION = re.compile(r"mission name #\[#(?P<bundle>[^:\]]+):(?P<module>[^:\]]*):(?P<ability>[^\]]+)\]")


def foreground_abilities(output: str) -> list[tuple[str, str]]:
    """(bundle, ability) of the missions `aa dump -l` shows in state FOREGROUND."""
    found: list[tuple[str, str]] = []
    current: tuple[str, str] | None = None
    for line in output.splitlines():
        mission = _MISSION.search(line)
        if mission:
            current = (mission["bundle"], mission["ability"])
        elif current and re.search(r"\bstate #FOREGROUND\b", line) and "app state" not in line:
            found.append(current)
    return found


LOCKED_CODE = "10106102"
"""aa's ERR_UNLOCK_SCREEN_FAILED_IN_DEVELOPER_MODE (ability_runtime ability_command.cpp): the screen is locked and
developer mode cannot unlock it; printed as `Error Code:10106102  Error Message:The device screen is locked …`."""
LOCKED_ADVICE = ("the screen is locked (aa error 10106102): waking it and swiping up did not unlock it; remove the "
                 "lock screen password on this test phone or unlock it by hand, then run again")


def screen_locked(output: str) -> bool:
    return re.search(rf"Error Code:\s*{LOCKED_CODE}\b", output) is not None


# ── mediatool / ls ──────────────────────────────────────────────────────────────────────────

MEDIA_URI = "file://media/"


def media_uri(output: str) -> str | None:
    """The gallery uri `mediatool send` prints for a file it took in (mediatool.md); None when it printed none."""
    found = re.search(r"file://media/\S+", output)
    return found[0] if found else None


def listing_refused(output: str) -> bool:
    """toybox `ls` refused the folder (`ls: PATH: Permission denied`): its contents are unknown, not empty."""
    return re.search(r"^ls: .*: Permission denied\s*$", output, re.M) is not None


# ── faultlogger ─────────────────────────────────────────────────────────────────────────────

FAULT_KINDS: dict[str, CrashKind] = {"jscrash": "crash", "cppcrash": "native-crash", "appfreeze": "anr",
                                     "sysfreeze": "anr"}
_FAULT_NAME = re.compile(r"^(?P<kind>[a-z]+)-(?P<bundle>[\w.]+)-(?P<uid>\d+)-(?P<stamp>\d{14})\d*\.log$")


def faultlog_crash(name: str, text: str, bundle: str, since: float = 0.0, utc_offset_s: int = 0) -> Crash | None:
    """A faultlogger file of `bundle` written at or after `since` (epoch seconds), else None."""
    named = _FAULT_NAME.match(name)
    if not named or named["kind"] not in FAULT_KINDS:
        return None
    fields: dict[str, str] = dict(re.findall(r"^([A-Za-z][\w -]*?):(.*)$", text, re.M))
    module = fields.get("Module name", str(named["bundle"])).strip()
    if module != bundle:
        return None
    stamp = fields.get("Timestamp", "").strip()
    if stamp:
        t = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + float("0" + stamp[19:])
    else:
        t = float(calendar.timegm(time.strptime(named["stamp"], "%Y%m%d%H%M%S")))
    t -= utc_offset_s
    if t < since - 1:
        return None
    kind = FAULT_KINDS[named["kind"]]
    reason = fields.get("Reason", "").strip()
    message = fields.get("Error message", "").strip()
    summary = f"{reason}: {message}" if message else reason
    if kind == "anr":
        summary = f"APP_FREEZE：{reason}"
    pid = fields.get("Pid", "").strip()
    return Crash(kind=kind, process=module, pid=int(pid) if pid.isdigit() else None, t=t, summary=summary,
                 source=f"faultlog:{named['kind']}", detail=text[:4000])


# ── uitest dumpLayout → Screen ─────────────────────────────────────────────────────────────

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
SYSTEM_BUNDLES = ("com.ohos.systemui", "com.huawei.hmos.systemui", "com.ohos.sceneboard")


def system_window(bundle: Any) -> bool:
    """System UI and the input method's keyboard (`com.huawei.hmos.inputmethod`, `*.inputmethod`): not app UI."""
    name = str(bundle or "")
    return name in SYSTEM_BUNDLES or name.endswith(".inputmethod") or ".inputmethod." in name
INPUT_TYPES = {"TextInput": "input", "Search": "input", "TextArea": "textarea", "RichEditor": "textarea"}
CHECK_TYPES = {"Toggle", "Checkbox", "Radio", "CheckboxGroup", "Switch"}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def bounds_of(value: str) -> tuple[int, int, int, int]:
    found = _BOUNDS.match(value or "")
    return tuple(int(v) for v in found.groups()) if found else (0, 0, 0, 0)  # type: ignore[return-value]


def _role(kind: str, clickable: bool, in_tabbar: bool) -> Role:
    if kind in INPUT_TYPES:
        return INPUT_TYPES[kind]  # type: ignore[return-value]
    if kind in CHECK_TYPES:
        return "checkbox"
    if kind in ("Select", "TextPicker", "DatePicker"):
        return "select"
    if in_tabbar and clickable:
        return "tab"
    if kind == "Button" or clickable:
        return "button"
    return "text"


def layout_key(layout: dict[str, Any]) -> str:
    """bundle/ability#page from the first app window's attributes (uitest on API 12+), else empty."""
    for child in [layout, *layout.get("children", [])]:
        attrs = child.get("attributes", {})
        if attrs.get("bundleName") and not system_window(attrs.get("bundleName")):
            page = f"#{attrs['pagePath']}" if attrs.get("pagePath") else ""
            return f"{attrs['bundleName']}/{attrs.get('abilityName', '')}{page}"
    return ""


def screen_from_layout(layout: dict[str, Any] | str, key: str = "") -> Screen:
    """A Screen from `uitest dumpLayout`: controls one can act on as nodes (ref = the tree path, acted on
    by its bounds' centre), every visible text in reading order; system windows left out."""
    tree: dict[str, Any] = json.loads(layout) if isinstance(layout, str) else layout
    nodes: list[UiNode] = []
    texts: list[tuple[int, int, str]] = []
    titles: list[str] = []

    def own_texts(node: dict[str, Any]) -> list[str]:
        found = [str(node.get("attributes", {}).get("text", ""))]
        for child in node.get("children", []):
            found += own_texts(child)
        return [t for t in found if t.strip()]

    def walk(node: dict[str, Any], path: str, in_tabbar: bool) -> None:
        attrs = node.get("attributes", {})
        if system_window(attrs.get("bundleName")) or attrs.get("visible") == "false":
            return
        kind = str(attrs.get("type", ""))
        bounds = bounds_of(str(attrs.get("bounds", "")))
        text = str(attrs.get("text", "")).strip()
        hint = str(attrs.get("hint", "") or attrs.get("description", "")).strip()
        tabbar = in_tabbar or kind in ("TabBar", "Tabs") or "tabbar" in str(attrs.get("id", "")).lower()
        if text:
            texts.append((bounds[1], bounds[0], text))
            if "title" in str(attrs.get("id", "")).lower():
                titles.append(text)
        clickable = _truthy(attrs.get("clickable")) or _truthy(attrs.get("checkable"))
        enabled = attrs.get("enabled", "true") != "false"
        role = _role(kind, clickable, tabbar)
        editable = role in ("input", "textarea")
        if enabled and (clickable or editable):
            label = text if editable else (text or " ".join(own_texts(node))[:80] or hint)
            nodes.append(UiNode(ref=path, role=role, text=label, hint=hint if hint != label else "",
                                clickable=clickable, editable=editable, in_tabbar=role == "tab", bounds=bounds))
        for index, child in enumerate(node.get("children", [])):
            walk(child, f"{path}/{index}", tabbar)

    walk(tree, "layout:", False)
    ordered = [t for _, _, t in sorted(texts, key=lambda x: (x[0], x[1]))]
    where = key or layout_key(tree) or "?"
    title = titles[0] if titles else (ordered[0] if ordered else where)
    return Screen(key=where, title=title, nodes=tuple(nodes), texts=tuple(dict.fromkeys(ordered)))
