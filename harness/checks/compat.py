"""Art. 16 compatibility ("16-compat"): the app runs on this device's system.

Per app × device: it launched and drew a first screen, it still answered at the end, it did not
crash or freeze (ANR) on the way (device logs), no screen it showed was blank, and it never said the
system or device is unsupported (请升级 / 版本过低 / 请在PC端访问 …). An app the device refused to install
fails before any run (see SweepSession). The report's matrix across the farm's OS labels is built from these
results.
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import Check, Evidence, Finding, register, screen_evidence
from harness.evidence.keywords import unsupported
from harness.observe.model import Observations


def check(obs: Observations) -> Finding:
    os_name = obs.device_info.os or obs.device
    details: dict[str, Any] = {"os": os_name, "launched": bool(obs.screens), "alive_at_end": obs.alive_at_end,
                               "blank_screens": 0, "unsupported": [], "crashes": len(obs.crashes)}
    if not obs.screens:
        return Finding(verdict="fail", details=details, summary=f"应用在 {os_name} 上未能显示任何界面。")
    blank = [v for v in obs.screens if not v.as_screen().texts and not v.as_screen().nodes]
    refusals = [(v, words) for v in obs.screens
                if (words := unsupported(" ".join(v.as_screen().texts)))]
    details["blank_screens"] = len(blank)
    details["unsupported"] = sorted({w for _, words in refusals for w in words})
    evidence = [screen_evidence(obs, v, "空白界面") for v in blank[:2]]
    evidence += [screen_evidence(obs, v, "提示：" + "、".join(words)) for v, words in refusals[:2]]
    evidence += [Evidence(kind="crash", t=obs.video_t(c.t) if c.t else None,
                          note=f"{c.kind} {c.process}: {c.summary}"[:300])
                 for c in obs.crashes[:3]]
    problems = []
    kinds = {"crash": "崩溃", "native-crash": "原生崩溃", "anr": "无响应（ANR）"}
    for kind, label in kinds.items():
        count = sum(1 for c in obs.crashes if c.kind == kind)
        if count:
            problems.append(f"运行中{label} {count} 次")
    if obs.alive_at_end is False:
        problems.append("运行结束时应用已无响应（崩溃或卡死）")
    if blank:
        problems.append(f"{len(blank)} 个界面空白")
    if refusals:
        problems.append("提示系统不受支持：" + "、".join(details["unsupported"]))
    if problems:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"在 {os_name} 上：" + "；".join(problems) + "。")
    return Finding(verdict="pass", details=details, evidence=evidence,
                   summary=f"在 {os_name} 上正常启动并运行，遍历 {len(obs.screens)} 个界面，"
                           "无空白、无“系统不支持”提示。")


CHECK = register(Check("compatibility", "16-compat", "支持在不同操作系统环境下稳定运行", check))
