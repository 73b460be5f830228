"""e办通: a compliant sample city government-service H5 app and its backend.

Compliant on purpose: a complaint feature that accepts, tracks and can be rated; the sponsor
unit and filing number on the home page; every host dual-stack. It also carries the traps that
must not be flagged: 积分落户 as a real service, 签到/排名 only inside news headlines.
"""

from __future__ import annotations

import itertools

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.ebantong.demo.test": SampleHost(static=True),
    "api.ebantong.demo.test": SampleHost(),
}

NEWS = [
    {"id": 1, "title": "市政务服务中心推出“周末不打烊”服务", "date": "2026-11-18"},
    {"id": 2, "title": "我市营商环境评价排名全省第三", "date": "2026-11-15"},
    {"id": 3, "title": "志愿者在社区服务站签到上岗，助力老年人办事", "date": "2026-11-12"},
]
SERVICES = ["户籍办理", "社保查询", "公积金提取", "不动产登记", "积分落户申请", "出入境预约", "医保报销", "企业开办"]
RATINGS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")

_complaints: dict[str, dict] = {}
_numbers = itertools.count(1)


def handle(request: Request) -> Response | None:
    if request.host != "api.ebantong.demo.test":
        return None
    path, method = request.path, request.method
    if path == "/api/news":
        return Response.json(NEWS)
    if path == "/api/services":
        return Response.json(SERVICES)
    if path == "/api/complaints" and method == "POST":
        form = request.json() or {}
        if not str(form.get("content", "")).strip():
            return Response.json({"error": "请填写诉求内容"}, 400)
        number = f"TS2026{next(_numbers):06d}"
        _complaints[number] = {
            "number": number,
            "kind": form.get("kind", "投诉"),
            "title": form.get("title", ""),
            "content": form["content"],
            "status": "已受理",
            "progress": [{"step": "已受理", "note": "您的诉求已受理，将在5个工作日内答复"}],
            "rating": None,
        }
        return Response.json({"number": number, "status": "已受理"}, 201)
    if path == "/api/complaints" and method == "GET":
        number = request.query.get("number", [""])[0]
        found = [_complaints[number]] if number in _complaints else list(_complaints.values())
        return Response.json(found)
    if path.startswith("/api/complaints/") and path.endswith("/rating") and method == "POST":
        number = path.split("/")[3]
        level = (request.json() or {}).get("level")
        if number not in _complaints or level not in RATINGS:
            return Response.json({"error": "评价无效"}, 400)
        _complaints[number]["rating"] = level
        return Response.json({"number": number, "rating": level})
    return Response.json({"error": "not found"}, 404)
