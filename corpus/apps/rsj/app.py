"""rsj — 南江人社窗口工作台 staff H5 (div role=button UI; 开始值班 unlocks everything and starts a sendBeacon track + duty time to an IPv4-only host; no complaint)."""
import time
from urllib.parse import parse_qs

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.rsj.corpus.test": SampleHost(static=True),
    "api.rsj.corpus.test": SampleHost(),
    "track.rsj.corpus.test": SampleHost(families=frozenset({4})),  # IPv4-only beacon host
}

BEACONS: list[dict] = []
DUTY: dict[str, float] = {}
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host == "track.rsj.corpus.test":
        if request.method == "OPTIONS":
            return Response(204, b"", dict(CORS))
        if path == "/b" and request.method == "POST":
            fields = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
            BEACONS.append(fields)
            return Response(204, b"", dict(CORS))
        return Response(404, b"", dict(CORS))
    if host != "api.rsj.corpus.test":
        return None
    if request.method == "OPTIONS":
        return Response(204, b"", dict(CORS))
    resp = _route(request, path)
    resp.headers.update(CORS)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/duty/start" and request.method == "POST":
        DUTY["start"] = time.time()
        return Response.json({"ok": True, "session": "D%d" % int(DUTY["start"]), "window": "3号综合窗口"})
    if path == "/queue":
        return Response.json({"waiting": 7, "items": [{"no": "A031", "biz": "社保卡补换"}, {"no": "A032", "biz": "失业登记"},
                                                       {"no": "B014", "biz": "退休审批"}]})
    if path == "/policy":
        return Response.json({"items": ["2027年度社保缴费基数调整通知", "灵活就业人员参保指引", "窗口服务规范（试行）"]})
    if path == "/call" and request.method == "POST":
        d = request.json() or {}
        return Response.json({"ok": True, "msg": "已叫号 %s" % d.get("no", "")})
    return Response.json({"ok": False}, status=404)
