"""掌上政务: a compliant sample whose complaint path is three levels deep.

服务 → 政民互动 → 留言咨询 → 我要留言 (the form), with 留言查询 (tracking by 查询码) and 好差评.
The home page finds the nearest service hall from the device's position on the device itself:
location used, never sent. Sponsor and filing number on the home page; every host dual-stack.
"""

from __future__ import annotations

import itertools

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "m.zhangshang.demo.test": SampleHost(static=True),
    "gw.zhangshang.demo.test": SampleHost(),
}

_messages: dict[str, dict] = {}
_codes = itertools.count(1)
HALLS = [
    {"name": "市民中心办事大厅", "lat": 22.54, "lng": 114.06},
    {"name": "南山区政务服务中心", "lat": 22.53, "lng": 113.93},
]


def handle(request: Request) -> Response | None:
    if request.host != "gw.zhangshang.demo.test":
        return None
    path, method = request.path, request.method
    if path == "/halls":
        return Response.json(HALLS)
    if path == "/messages" and method == "POST":
        body = request.json() or {}
        code = f"LY{next(_codes):08d}"
        _messages[code] = {"code": code, "text": body.get("text", ""), "state": "办理中", "rating": None}
        return Response.json({"code": code})
    if path == "/messages" and method == "GET":
        return Response.json(list(_messages.values()))
    if path.startswith("/messages/") and path.endswith("/rating") and method == "POST":
        code = path.split("/")[2]
        if code in _messages:
            _messages[code]["rating"] = (request.json() or {}).get("level")
            return Response.json({"ok": True})
        return Response.json({"error": "查询码不存在"}, 404)
    return Response.json({"error": "not found"}, 404)
