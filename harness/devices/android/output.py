"""Android's own outputs, parsed into data: pm install results, `am start -W`, dumpsys (activities,
meminfo, dropbox), logcat crashes, getprop, wm size and UiAutomator hierarchies.

Pure functions over text, tested on outputs written from AOSP sources (tests/data/android) and on real captures
published by others (../shared/device-outputs, tests/unit/test_device_outputs.py).
"""

from __future__ import annotations

import calendar
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from harness.devices.common.crash import Crash, CrashKind
from harness.devices.common.install import InstallOutcome
from harness.ui.tree import Role, Screen, UiNode

# ── pm install ──────────────────────────────────────────────────────────────────────────────

_FAILURE = re.compile(r"Failure \[(?P<reason>[A-Z_]+)(?::\s*(?P<message>.*?))?\]\s*$", re.M)
INCOMPATIBLE = frozenset({
    "INSTALL_FAILED_OLDER_SDK", "INSTALL_FAILED_NO_MATCHING_ABIS", "INSTALL_FAILED_CPU_ABI_INCOMPATIBLE",
    "INSTALL_FAILED_DEPRECATED_SDK_VERSION", "INSTALL_FAILED_MISSING_FEATURE", "INSTALL_FAILED_MISSING_SHARED_LIBRARY",
    "INSTALL_FAILED_NEWER_SDK",
})
"""Install failures that say the app cannot run on this system (a compatibility finding, not a harness fault)."""
REINSTALL_CLEAN = frozenset({"INSTALL_FAILED_UPDATE_INCOMPATIBLE", "INSTALL_FAILED_VERSION_DOWNGRADE"})
"""Another signature, or a newer version, of the app is installed: uninstall it and install again."""


def parse_install(output: str) -> InstallOutcome:
    if re.search(r"^Success\s*$", output, re.M):
        return InstallOutcome(True)
    found = _FAILURE.search(output)
    if found:
        return InstallOutcome(False, found["reason"], (found["message"] or "").strip())
    if "Exception occurred" in output or "Exception:" in output:
        cause = next((line.strip() for line in output.splitlines() if re.match(r"^[\w.$]+(Exception|Error)", line)),
                     output.strip().splitlines()[0] if output.strip() else "")
        return InstallOutcome(False, "EXCEPTION", cause)
    return InstallOutcome(False, "UNKNOWN", output.strip()[-500:])


# ── am start -W ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class AmStart:
    ok: bool
    activity: str = ""
    total_ms: float | None = None
    """TotalTime: from the intent to the first frame of the launched activity."""
    wait_ms: float | None = None
    launch_state: str = ""
    """COLD · WARM · HOT (Android 10+); empty on older systems and when Android could not tell."""
    error: str = ""
    timed_out: bool = False
    """Launched, but the first frame did not come while `am` waited (`Status: timeout`)."""


def parse_am_start(output: str) -> AmStart:
    """`am start -W` output. AOSP's ActivityManagerShellCommand prints the `Status:` block only when the start
    happened: `Status: timeout` means the wait for the first frame ran out (a slow launch, kept with its
    WaitTime and no TotalTime). Anything without a Status line (an `Error:` line, "Exception occurred while
    executing 'start'", a SecurityException) is a launch that did not happen."""
    fields = dict(re.findall(r"^(\w+): (.*?)\s*$", output, re.M))
    errors = [line.removeprefix("Error: ").strip() for line in output.splitlines() if line.startswith("Error")]
    message = next((e for e in errors if not e.startswith("Error type")), errors[0] if errors else "")
    status = fields.get("Status")
    if message or status not in ("ok", "timeout"):
        exception = next((line.strip() for line in output.splitlines()
                          if re.match(r"^\s*[\w.$]+(Exception|Error)\b", line)), "")
        detail = message or exception or ("no Status line" if status is None else f"status {status}")
        return AmStart(False, error=detail)

    def number(key: str) -> float | None:
        return float(fields[key]) if fields.get(key, "").isdigit() else None

    state = fields.get("LaunchState", "")
    return AmStart(True, fields.get("Activity", ""), number("TotalTime"), number("WaitTime"),
                   "" if state.startswith("UNKNOWN") else state, timed_out=status == "timeout")


# ── dumpsys ─────────────────────────────────────────────────────────────────────────────────

_RESUMED = re.compile(r"(?:topResumedActivity=|ResumedActivity: |mResumedActivity: |Resumed: )"
                      r"ActivityRecord\{\w+ u\d+ (?P<component>[\w.]+/[\w.$]+)")


def resumed_activity(dumpsys: str) -> str | None:
    """The component in front (`pkg/.Activity`) from `dumpsys activity activities`, Android 7 to 15."""
    found = _RESUMED.search(dumpsys)
    return found["component"] if found else None


def split_component(component: str) -> tuple[str, str]:
    """`pkg/.Main` → (`pkg`, `pkg.Main`)."""
    package, _, activity = component.partition("/")
    return package, (package + activity if activity.startswith(".") else activity)


def meminfo_pss_kb(dumpsys: str) -> int | None:
    """The app's total PSS from `dumpsys meminfo <package>` (App Summary `TOTAL:` or `TOTAL PSS:`)."""
    found = re.search(r"^\s*TOTAL(?: PSS)?:\s+(\d+)", dumpsys, re.M)
    return int(found[1]) if found else None


def parse_getprop(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\[([^\]]+)\]: \[(.*)\]$", output, re.M))


def parse_wm_size(output: str) -> tuple[int, int] | None:
    """The size the screen draws at (an override wins over the physical size)."""
    sizes = dict((kind, (int(w), int(h))) for kind, w, h in re.findall(r"^(\w+) size: (\d+)x(\d+)", output, re.M))
    return sizes.get("Override") or sizes.get("Physical")


# ── crashes ─────────────────────────────────────────────────────────────────────────────────

def belongs_to(process: str, package: str) -> bool:
    """The app's own processes: `pkg`, `pkg:remote`; native crash lines cut names to their last 15 chars."""
    if process == package or process.startswith(package + ":"):
        return True
    if len(process) != 15:
        return False
    suffix = process[process.index(":"):] if ":" in process else ""
    return (package + suffix).endswith(process)


_LOGCAT = re.compile(r"^\s*(?P<time>\d{10}\.\d{3}|\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+"
                     r"(?P<level>[VDIWEFA])\s+(?P<tag>[^:]*?)\s*: (?P<message>.*)$")


def _logcat_time(stamp: str, year: int, utc_offset_s: int) -> float:
    if "-" not in stamp:
        return float(stamp)
    parsed = time.strptime(f"{year}-{stamp[:14]}", "%Y-%m-%d %H:%M:%S")
    return calendar.timegm(parsed) - utc_offset_s + float("0" + stamp[14:])


_TOMBSTONE_NAME = re.compile(r"pid: (?P<pid>\d+), tid: \d+, name: .*?>>> (?P<name>.+?) <<<")
_SIGNAL = re.compile(r"^\s*signal \d+ \(SIG\w+\)")


def logcat_crashes(text: str, package: str, year: int | None = None, utc_offset_s: int = 0) -> list[Crash]:
    """Java crashes (AndroidRuntime), native crashes (libc Fatal signal) and ANRs (ActivityManager) of
    `package` in `logcat -v threadtime` output (`-v epoch` times too).

    A native crash's process: libc's `pid N (name)` since Android 8 (the name cut to 15 chars); before that
    the line names only the thread (`in tid 3187 (GLThread 173)`) and the logcat pid column is the crashed
    process. debuggerd's `pid: N, … >>> NAME <<<` line, when it follows, names it in full."""
    year = year or time.gmtime().tm_year
    crashes: list[Crash] = []
    native: dict[int, Crash] = {}
    """Native crashes by pid, named once debuggerd's tombstone line is seen."""
    current: dict[str, Any] | None = None

    def close() -> None:
        nonlocal current
        if current and belongs_to(current["process"], package):
            crashes.append(Crash(kind=current["kind"], process=current["process"], pid=current["pid"], t=current["t"],
                                 summary=current["summary"], source="logcat",
                                 detail="\n".join(current["lines"])[:4000]))
        current = None

    for line in text.splitlines():
        entry = _LOGCAT.match(line)
        if not entry:
            continue
        tag, message, pid = entry["tag"], entry["message"], int(entry["pid"])
        t = _logcat_time(entry["time"], year, utc_offset_s)
        named = _TOMBSTONE_NAME.search(message) if tag == "DEBUG" else None
        if named and int(named["pid"]) in native:
            crash = native[int(named["pid"])]
            native[crash.pid or 0] = crash.model_copy(update={"process": named["name"]})
        if tag == "AndroidRuntime" and message.startswith("FATAL EXCEPTION"):
            close()
            current = {"kind": "crash", "process": "", "pid": pid, "t": t, "summary": "", "lines": [message],
                       "tag": tag, "owner": pid}
        elif tag == "ActivityManager" and message.startswith("ANR in "):
            close()
            anr = re.match(r"ANR in (\S+)", message)
            current = {"kind": "anr", "process": anr[1] if anr else "", "pid": None, "t": t, "summary": message,
                       "lines": [message], "tag": tag, "owner": pid}
        elif tag == "libc" and message.startswith("Fatal signal"):
            close()
            found = re.search(r", pid (\d+) \(([^)]*)\)\s*$", message)
            crashed = int(found[1]) if found else pid
            native[crashed] = Crash(kind="native-crash", process=found[2] if found else "", pid=crashed, t=t,
                                    summary=message, source="logcat", detail=message)
        elif current and tag == current["tag"] and pid == current["owner"]:
            current["lines"].append(message)
            process = re.match(r"Process: ([^,]+), PID: (\d+)", message)
            if process:
                current["process"], current["pid"] = process[1], int(process[2])
            elif current["kind"] == "anr" and message.startswith("PID: "):
                current["pid"] = int(message[5:].strip())
            elif current["kind"] == "anr" and message.startswith("Reason: "):
                current["summary"] = f"ANR：{message[8:]}"
            elif current["kind"] == "crash" and not current["summary"] and not message.startswith("\t"):
                current["summary"] = message
        else:
            close()
    close()
    crashes += [crash for crash in native.values() if belongs_to(crash.process, package)]
    return sorted(crashes, key=lambda crash: crash.t or 0.0)


_DROPBOX_HEAD = re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (?P<tag>\S+) \((?P<kind>[^,]+), \d+ bytes\)$")


def dropbox_kind(tag: str) -> CrashKind | None:
    if tag.endswith("_native_crash") or tag == "SYSTEM_TOMBSTONE":
        return "native-crash"
    if tag.endswith("_anr"):
        return "anr"
    if tag.endswith("_crash"):
        return "crash"
    return None


def dropbox_crashes(text: str, package: str, since: float = 0.0, utc_offset_s: int = 0) -> list[Crash]:
    """Entries of `dumpsys dropbox --print <tag>` for `package` at or after `since` (epoch seconds)."""
    crashes: list[Crash] = []
    for block in re.split(r"^=+$", text, flags=re.M)[1:]:
        lines = block.strip("\n").splitlines()
        head = _DROPBOX_HEAD.match(lines[0]) if lines else None
        kind = dropbox_kind(head["tag"]) if head else None
        if head is None or kind is None:
            continue
        t = calendar.timegm(time.strptime(head["time"], "%Y-%m-%d %H:%M:%S")) - utc_offset_s
        fields: dict[str, str] = {}
        body_at = len(lines)
        for index, line in enumerate(lines[1:], start=1):
            if not line.strip():
                body_at = index + 1
                break
            key, _, value = line.partition(": ")
            fields[key] = value
        body = [line for line in lines[body_at:] if line.strip()]
        # SYSTEM_TOMBSTONE has no Process:/PID: header: the tombstone's `pid: N, … >>> NAME <<<` line names it.
        named = next((found for line in body[:12] if (found := _TOMBSTONE_NAME.search(line))), None)
        process = fields.get("Process", "") or (named["name"] if named else "")
        if not belongs_to(process, package) or t < since - 1:  # dropbox times have whole seconds
            continue
        if kind == "native-crash":  # the signal (and abort message), not the `*** ***` banner
            signal = next((line.strip() for line in body if _SIGNAL.match(line)), "")
            abort = next((line.strip() for line in body if line.startswith("Abort message:")), "")
            summary = " ".join(part for part in (signal, abort) if part) or head["tag"]
        else:
            summary = fields.get("Subject") or (body[0] if body else head["tag"])
        if kind == "anr" and not summary.startswith("ANR"):
            summary = f"ANR：{summary}"
        pid = fields.get("PID", "") or (named["pid"] if named else "")
        crashes.append(Crash(kind=kind, process=process, pid=int(pid) if pid.isdigit() else None, t=float(t),
                             summary=summary, source=f"dropbox:{head['tag']}", detail="\n".join(body)[:4000]))
    return crashes


# ── UiAutomator hierarchy → Screen ─────────────────────────────────────────────────────────

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")
_TABBAR = re.compile(r"BottomNavigation|TabLayout|TabWidget|BottomBar|TabBar", re.I)
SYSTEM_PACKAGES = frozenset({"com.android.systemui"})
"""Drawn over every app (status bar, clock): never part of the app's screen."""


_FILE_WORDS = re.compile(r"选择文件|上传(?:图片|照片|附件|文件|材料)|添加(?:图片|照片|附件)|Choose [Ff]ile|Upload|"
                         r"Browse")


def _role(cls: str, attrs: dict[str, str], in_tabbar: bool) -> Role:
    simple = cls.rsplit(".", 1)[-1]
    label = attrs.get("text", "") or attrs.get("content-desc", "")
    if attrs.get("clickable") == "true" and _FILE_WORDS.search(label):
        return "file"  # a WebView's <input type=file> and native upload buttons open a picker
    # A custom field (often an inner class, `Form$PhoneField`) has no telling name; one showing its hint is
    # waiting for input all the same.
    if simple.endswith(("EditText", "AutoCompleteTextView", "SearchView")) or attrs.get("showing-hint") == "true":
        return "input"
    if simple in ("CheckBox", "Switch", "SwitchCompat", "SwitchMaterial", "RadioButton", "ToggleButton",
                  "CheckedTextView", "MaterialCheckBox"):
        return "checkbox"
    if simple.endswith("Spinner"):
        return "select"
    clickable = attrs.get("clickable") == "true"
    if (in_tabbar and clickable) or "TabView" in simple or "NavigationItemView" in simple:
        return "tab"
    if simple.endswith("Button") or clickable:
        return "button"
    return "text" if attrs.get("text") else "other"


def _bounds(value: str) -> tuple[int, int, int, int]:
    found = _BOUNDS.match(value or "")
    return tuple(int(v) for v in found.groups()) if found else (0, 0, 0, 0)  # type: ignore[return-value]


def screen_from_hierarchy(xml: str, key: str, package: str | None = None) -> Screen:
    """A Screen from Appium's UiAutomator2 page source or a raw `uiautomator dump`.

    Nodes are the controls one can act on (enabled, clickable or editable) and each keeps an XPath over
    class names (what Appium's UiAutomator2 driver resolves) as its ref; texts are every visible text and
    content description in reading order. Nodes of system overlays are left out; with `package`, only that
    package's nodes are kept."""
    root = ET.fromstring(xml.encode() if isinstance(xml, str) else xml)
    nodes: list[UiNode] = []
    texts: list[tuple[int, int, str]] = []
    titles: list[str] = []

    def own_texts(element: ET.Element) -> list[str]:
        found = [element.get("text") or element.get("content-desc") or ""]
        for child in element:
            found += own_texts(child)
        return [t for t in found if t.strip()]

    def walk(element: ET.Element, path: str, in_tabbar: bool) -> None:
        counts: dict[str, int] = {}
        for child in element:
            cls = child.get("class") or child.tag
            # XPath over the tag as the source wrote it: Appium's UiAutomator2 server names a node after its
            # class with `$@#&` turned into `.` (XMLHelpers.toNodeName), so `Outer$Inner` is tag `Outer.Inner`.
            # A raw `uiautomator dump` names every node `node`: its class is the only handle there.
            step = cls if child.tag == "node" else child.tag
            counts[step] = counts.get(step, 0) + 1
            child_path = f"{path}/{step}[{counts[step]}]"
            owner = child.get("package", "")
            if owner in SYSTEM_PACKAGES or (package and owner and owner != package):
                continue
            if child.get("displayed") == "false":
                continue
            attrs = dict(child.attrib)
            bounds = _bounds(attrs.get("bounds", ""))
            text = attrs.get("text", "").strip()
            desc = attrs.get("content-desc", "").strip()
            hint = attrs.get("hint", "").strip() or desc
            if attrs.get("showing-hint") == "true" or (text and text == attrs.get("hint", "").strip()):
                hint, text = text, ""  # an empty field reports its placeholder as its text
            if text and "title" in attrs.get("resource-id", "").rsplit("/", 1)[-1].lower():
                titles.append(text)
            for shown in (text, desc if desc != text else ""):
                if shown:
                    texts.append((bounds[1], bounds[0], shown))
            tabbar = in_tabbar or bool(_TABBAR.search(cls)) or bool(_TABBAR.search(attrs.get("resource-id", "")))
            role = _role(cls, attrs, tabbar)
            enabled = attrs.get("enabled", "true") == "true"
            editable = role == "input"
            clickable = enabled and (attrs.get("clickable") == "true" or attrs.get("checkable") == "true")
            if enabled and (clickable or editable):
                label = text if editable else (text or desc or " ".join(own_texts(child))[:80])
                nodes.append(UiNode(ref=child_path, role=role, text=label if not editable else text,
                                    hint=hint if hint != label else "", clickable=clickable, editable=editable,
                                    in_tabbar=tabbar and role == "tab", bounds=bounds))
            walk(child, child_path, tabbar)

    walk(root, "/" + (root.tag if root.tag != "node" else root.get("class") or root.tag), False)
    ordered = [t for _, _, t in sorted(texts, key=lambda x: (x[0], x[1]))]
    title = titles[0] if titles else (ordered[0] if ordered else key)
    return Screen(key=key, title=title, nodes=tuple(nodes), texts=tuple(dict.fromkeys(ordered)))


def newest_in_grid(screen: Screen) -> UiNode | None:
    """The first cell of the largest grid of thumbnails on `screen`: galleries and the photo picker list pictures
    newest first and show no file name (the photo picker labels a cell "Photo taken on …" at most).

    A grid is two or more clickable, near-square controls of one size, each at least an eighth of the widest
    control's width (toolbar icons are smaller); its first cell is the top-left one."""
    def size(node: UiNode) -> tuple[int, int]:
        return node.bounds[2] - node.bounds[0], node.bounds[3] - node.bounds[1]

    widest = max((size(n)[0] for n in screen.nodes), default=0)
    cells = [n for n in screen.nodes if n.clickable and not n.in_tabbar and size(n)[1] > 0
             and 0.75 <= size(n)[0] / size(n)[1] <= 1.34 and size(n)[0] * 8 >= widest]
    grids: dict[tuple[int, int], list[UiNode]] = {}
    for cell in cells:  # one size within a few pixels (rounding of dp to px)
        width, height = size(cell)
        grids.setdefault((round(width / 8), round(height / 8)), []).append(cell)
    largest = max(grids.values(), key=len, default=[])
    if len(largest) < 2:
        return None
    return min(largest, key=lambda n: (n.bounds[1], n.bounds[0]))
