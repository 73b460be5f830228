"""Art. 14(4): no unnecessary forced upload of work photos, videos and movement tracks.

The harness proves what happened: the canary position found in a request (any precision,
WGS-84 / GCJ-02 / BD-09, through gzip, multipart, base64), repeated uploads of it over time (a
track), the canary photo found in a request after resizing and recompression, and whether the
screen demanded the upload before letting the user go on. Whether it was *necessary* is a
person's call: uploads go to review. A position used on the device and never sent is no upload.

The harness never submits a form other than the complaint (it would file a real report), so a form that
demands a work photo (its photo control marked 必须 / 必传 / required, or the screen saying 需拍摄现场照片)
goes to review from the form itself; a photo control marked 选填 / optional, or one for a document
(身份证, 营业执照, 头像), is no demand.
"""

from __future__ import annotations

import re

from harness.checks.base import Check, Evidence, Finding, flow_evidence, register, screen_evidence
from harness.evidence.geo import find_location
from harness.evidence.images import distance, same_picture
from harness.observe.model import Observations, ScreenVisit
from harness.ui.tree import UiNode

GATE_WORDS = ("请先上传", "上传后才能", "才能继续", "必须上传", "上传照片后", "上报位置后")
TRACK_MIN_UPLOADS = 3
TRACK_MIN_SPAN_S = 20.0
MEDIA = r"(?:照片|图片|相片|视频|影像|合影|photo|picture|video)"
REQUIRED_MARK = re.compile(r"必须|必传|必填|必选|不能为空|不可为空|required|mandatory|^\s*[*＊]|[*＊]\s*$", re.I)
OPTIONAL_MARK = re.compile(r"选填|可选|非必填|非必须|可不上传|optional", re.I)
DOCUMENT = re.compile(r"身份证|证件|执照|许可证|头像|户口|护照|签名|证明材料|avatar|id card|passport|licen[cs]e", re.I)
PHOTO_DEMAND = re.compile(
    rf"(?:需|须|需要|必须|务必|要求|请先|应当)(?:现场)?(?:拍摄|拍照|上传|附上?|提供|拍)[^。；;！!]{{0,10}}{MEDIA}"
    rf"|{MEDIA}[^。；;！!，,]{{0,8}}(?:后才能|方可|才能提交|必须上传|为必填|不能为空)", re.I)
"""A sentence on the screen demanding a photo or video (需拍摄现场照片, 照片上传后方可提交)."""


def photo_demand(visit: ScreenVisit) -> str | None:
    """What on this screen demands a work photo or video in a form: the photo control's own label marked
    required, or a sentence demanding one beside a photo control; None when the control is optional or for a
    document (an ID card, a licence, an avatar)."""
    screen = visit.as_screen()
    controls = [n for n in screen.nodes if n.role == "file" and not DOCUMENT.search(_names(n))]
    if not controls:
        return None
    for node in controls:
        label = _names(node)
        if OPTIONAL_MARK.search(label):
            continue
        if REQUIRED_MARK.search(label):
            return f"照片控件「{node.label[:40]}」标为必填"
    if all(OPTIONAL_MARK.search(_names(n)) for n in controls):
        return None
    sentence = next((m.group(0) for t in screen.texts if not DOCUMENT.search(t) if (m := PHOTO_DEMAND.search(t))), None)
    return f"界面要求「{sentence[:40]}」" if sentence else None


def _names(node: UiNode) -> str:
    return f"{node.text} {node.hint}"


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
        # The complaint the harness files carries the picture the harness chose for its attachment field:
        # that upload is the harness's own doing (a form demanding the photo is seen on the form itself).
        for flow in (f for f in obs.app_flows() if f.submission not in ("guarded", "forwarded")):
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
    demands = [(v, why) for v in obs.screens if (why := photo_demand(v))]
    # The web device's geolocation hook, or a Frida location hook (LocationManager, AMap, Baidu, Tencent…).
    located = any(e.kind in ("geolocation-result", "location") for e in obs.hook_events)
    details = {"location_uploads": len(location_flows), "photo_uploads": len(photo_flows), "track": track,
               "gated": bool(gates), "location_read_on_device": located, "photo_demanded": bool(demands)}
    if demands and not photo_flows:
        evidence += [screen_evidence(obs, v, f"表单要求上传照片：{why}") for v, why in demands[:2]]
    if not location_flows and not photo_flows and demands:
        return Finding(verdict="review", details=details, evidence=evidence,
                       summary=f"表单要求上传照片（{demands[0][1]}）；测试不提交该表单，未见实际上传。"
                               "是否属于不必要的强制上传，请审核人员判断。")
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
    if demands and not photo_flows:
        parts.append(f"表单要求上传照片（{demands[0][1]}，测试未提交）")
    return Finding(verdict="review", details=details, evidence=evidence,
                   summary="；".join(parts) + "。是否属于不必要的强制上传，请审核人员判断。")


CHECK = register(Check("uploads", "14(4)", "不得强制上传工作照片、视频和轨迹", check, needs_traffic=True))
