"""Art. 5: the sponsor (主办/使用) unit and the filing number (备案编号) shown prominently.

Found on the start screen: pass. Found only deeper in the app: review (is it prominent?).
Not found anywhere the walk went: fail, naming which of the two is missing.
"""

from __future__ import annotations

import re

from harness.checks.base import Check, Finding, register, screen_evidence
from harness.observe.model import Observations, ScreenVisit

SPONSOR = re.compile(r"主办(（使用）|\(使用\))?单位\s*[:：]\s*\S{2,}|主办\s*[:：]\s*\S{2,}")
ICP_FILING = (
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP备\d{6,10}号(-\d+[A-Z]?)?"),
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]B2-\d{8}(-\d+[A-Z]?)?"),
)


def _text(visit: ScreenVisit) -> str:
    screen = visit.as_screen()
    return "\n".join([*screen.texts, *(n.label for n in screen.nodes)])


def check(obs: Observations) -> Finding:
    filing = [*ICP_FILING, *(re.compile(p) for p in obs.filing_patterns)]
    sponsor_at = next(((i, m.group(0)) for i, v in enumerate(obs.screens) if (m := SPONSOR.search(_text(v)))), None)
    filing_at = next(((i, m.group(0)) for i, v in enumerate(obs.screens)
                      for p in filing if (m := p.search(_text(v)))), None)
    details = {"sponsor": sponsor_at[1] if sponsor_at else None, "filing": filing_at[1] if filing_at else None}
    found = [at for at in (sponsor_at, filing_at) if at is not None]
    evidence = [screen_evidence(obs, obs.screens[i], f"「{text}」") for i, text in found]
    missing = [name for name, at in (("主办单位", sponsor_at), ("备案编号", filing_at)) if at is None]
    if missing:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"遍历 {len(obs.screens)} 个界面未见{'、'.join(missing)}标示，不符合第五条。")
    start = obs.screens[0].signature
    if all(obs.screens[i].signature == start for i, _ in found):
        return Finding(verdict="pass", details=details, evidence=evidence,
                       summary=f"首屏标示{details['sponsor']}及备案编号「{details['filing']}」。")
    return Finding(verdict="review", details=details, evidence=evidence,
                   summary="主办单位及备案编号有标示，但不在首屏，请审核是否属于“显著位置”。")


CHECK = register(Check("filing", "5", "在显著位置标示主办单位及备案编号", check))
