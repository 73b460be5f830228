"""Art. 16 IPv6 ("16-ipv6"): every host of the app works over IPv6, with the same answers.

Per host: an AAAA record (the scenario's hosts map stands in for DNS) and the app's own GET
requests answered over IPv6 exactly as over IPv4. A host the scenario names that the run never
reached (an upload host behind a form the harness does not submit) is still the app's: it fails
without an AAAA record. Shares: of the app's requests and bytes, how much went to hosts that work
IPv6-only. Thresholds: every host, and ≥ 70 % of requests, unless the scenario sets others.
"""

from __future__ import annotations

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register
from harness.observe.model import Observations


def app_sockets(obs: Observations) -> dict[str, float] | None:
    """The app's own direct connections by address family, from the device's connect hooks (Frida).
    Loopback is left out: that is the capture proxy (adb reverse) and the harness's forwards, so what
    remains is traffic that bypassed the proxy (raw sockets, SDKs with their own stacks)."""
    connects = [e.detail for e in obs.hook_events if e.kind == "connect"]
    outside = [c for c in connects if not (str(c.get("address", "")).startswith("127.") or c.get("address") == "::1")]
    if not outside:
        return None
    v6 = sum(c.get("family") == 6 for c in outside)
    return {"ipv4": len(outside) - v6, "ipv6": v6, "ipv6_share": round(v6 / len(outside), 3)}


def check(obs: Observations) -> Finding:
    flows = obs.app_flows()
    probes = {p.host: p for p in obs.ipv6_hosts}
    if not flows or not probes:
        return Finding(verdict="skip", summary="本次运行没有可探测的应用请求，无法评估 IPv6。",
                       details={"hosts": [p.model_dump() for p in probes.values()]})
    reached = {h: p for h, p in probes.items() if p.contacted}
    if not reached:
        return Finding(verdict="skip", summary="本次运行没有可探测的应用请求，无法评估 IPv6。",
                       details={"hosts": [p.model_dump() for p in probes.values()]})
    good = {h for h, p in probes.items() if p.v6_same}
    counted = [f for f in flows if f.host in probes]
    share = sum(f.host in good for f in counted) / len(counted)
    total_bytes = sum(f.request_size + f.response_size for f in counted) or 1
    byte_share = sum(f.request_size + f.response_size for f in counted if f.host in good) / total_bytes
    only = obs.ipv6_only
    no_aaaa = sorted(h for h, p in probes.items() if not p.aaaa)
    broken = sorted({h for h, p in reached.items() if p.aaaa and not p.v6_same}
                    | (set(only.failing_hosts if only else []) - set(no_aaaa)))
    settings = obs.ipv6_policy
    details = {"request_share": round(share, 3), "byte_share": round(byte_share, 3), "hosts_without_aaaa": no_aaaa,
               "hosts_failing_over_ipv6": broken, "hosts_not_reached": sorted(set(probes) - set(reached)),
               "policy": settings,
               "hosts": [p.model_dump() for p in probes.values()],
               "ipv6_only_pass": only.model_dump() if only else None}
    unreached = sorted(h for h in no_aaaa if h not in reached)
    evidence = [flow_evidence(obs, next(f for f in counted if f.host == h), f"{h}：无 AAAA 记录")
                for h in no_aaaa if h in reached]
    evidence += [Evidence(kind="dns", note=f"{h}：无 AAAA 记录（场景列出的应用主机，本次运行未访问）")
                 for h in unreached]
    evidence += [flow_evidence(obs, next(f for f in counted if f.host == h), f"{h}：IPv6 访问失败或结果不同")
                 for h in broken]
    shares = f"IPv6 可用的请求占 {share:.1%}，流量占 {byte_share:.1%}"
    sockets = app_sockets(obs)
    if sockets:
        details["app_sockets"] = sockets
        shares += f"；应用绕过代理的直连（libc connect）中 IPv6 占 {sockets['ipv6_share']:.1%}"
    if only and only.broken_screens:
        shares += f"；纯 IPv6 运行时出错的界面：{'、'.join(only.broken_screens[:5])}"
    problems = []
    if settings.get("every_host", True) and (no_aaaa or broken):
        named = [h + ("（未访问）" if h in unreached else "") for h in no_aaaa] + broken
        problems.append("不支持 IPv6 的主机：" + "、".join(named))
    if share < settings.get("min_request_share", 0.7):
        problems.append(f"低于 {settings.get('min_request_share', 0.7):.0%} 的要求")
    if problems:
        return Finding(verdict="fail", details=details, evidence=evidence,
                       summary=f"{shares}；" + "；".join(problems) + "。")
    return Finding(verdict="pass", details=details, evidence=evidence,
                   summary=f"{len(probes)} 个主机均有 AAAA 记录且 IPv6 访问结果与 IPv4 一致；{shares}。")


CHECK = register(Check("ipv6", "16-ipv6", "积极采用 IPv6", check, needs_traffic=True))
