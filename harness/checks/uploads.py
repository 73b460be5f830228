"""Art. 14(4): no unnecessary forced upload of work photos, videos and movement tracks.

The harness proves what happened: the canary position found in a request (any precision,
WGS-84 / GCJ-02 / BD-09, through gzip, multipart, base64), repeated uploads of it over time (a
track), the canary photo found in a request after resizing and recompression, and whether the
screen demanded the upload before letting the user go on. Whether it was *necessary* is a
person's call: uploads go to review. A position used on the device and never sent is no upload.
"""

from __future__ import annotations

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register, screen_evidence
from harness.evidence.geo import find_location
from harness.evidence.images import distance, same_picture
from harness.observe.model import Observations

GATE_WORDS = ("请先上传", "上传后才能", "才能继续", "必须上传", "上传照片后", "上报位置后")
TRACK_MIN_UPLOADS = 3
TRACK_MIN_SPAN_S = 20.0


def check(obs: Observations) -> Finding:
    evidence: list[Evidence] = []
    location_flows = []
    if obs.canary_location:
        lat, lon = obs.canary_location
        for flow in obs.app_flows():
            match = find_location(flow.request_text, lat, lon)
            if match:
                location_flows.append(flow)
                evidence.append(flow_evidence(obs, flow, f"上传金丝雀位置（{match.system}，{match.decimals} 位小数）"
                                              f" {flow.method} {flow.host}{flow.path.split('?')[0]}"))
    photo_flows = []
    if obs.canary_photo_hash:
        for flow in obs.app_flows():
            close = [h for h in flow.image_hashes if same_picture(h, obs.canary_photo_hash)]
            if close:
                photo_flows.append(flow)
                bits = distance(close[0], obs.canary_photo_hash)
                evidence.append(flow_evidence(obs, flow, f"上传金丝雀照片（感知哈希相差 {bits}/64 位）"
                                              f" {flow.method} {flow.host}{flow.path.split('?')[0]}"))
    span = location_flows[-1].t - location_flows[0].t if location_flows else 0.0
    track = len(location_flows) >= TRACK_MIN_UPLOADS and span >= TRACK_MIN_SPAN_S
    gates = [v for v in obs.screens if any(w in " ".join(v.as_screen().texts) for w in GATE_WORDS)]
    evidence += [screen_evidence(obs, v, "界面要求先上传") for v in gates[:2]]
    # The web device's geolocation hook, or a Frida location hook (LocationManager, AMap, Baidu, Tencent…).
    located = any(e.kind in ("geolocation-result", "location") for e in obs.hook_events)
    details = {"location_uploads": len(location_flows), "photo_uploads": len(photo_flows), "track": track,
               "gated": bool(gates), "location_read_on_device": located}
    if not location_flows and not photo_flows:
        note = "应用在设备上读取了位置，但未见上传。" if located else ""
        return Finding(verdict="pass", details=details,
                       summary=f"{len(obs.app_flows())} 个请求中未见金丝雀位置或照片被上传。{note}")
    parts = []
    if photo_flows:
        parts.append(f"工作照片上传 {len(photo_flows)} 次")
    if location_flows:
        parts.append(f"位置上传 {len(location_flows)} 次" + (f"，{span:.0f} 秒内反复上传，构成轨迹" if track else ""))
    if gates:
        parts.append("界面要求先上传才能继续")
    return Finding(verdict="review", details=details, evidence=evidence,
                   summary="；".join(parts) + "。是否属于不必要的强制上传，请审核人员判断。")


CHECK = register(Check("uploads", "14(4)", "不得强制上传工作照片、视频和轨迹", check, needs_traffic=True))
