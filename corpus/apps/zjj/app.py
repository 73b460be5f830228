"""zjj — 南江住建 H5 (accordion <details> sections; map tiles from a third-party-looking dual-stack host; 6 s freeze in 房屋安全查询)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.zjj.corpus.test": SampleHost(static=True),
    "api.zjj.corpus.test": SampleHost(),
    "tiles.amap-proxy.corpus.test": SampleHost(),  # looks third-party, but dual-stack
}

_SEQ = itertools.count(1)
COMPLAINTS: dict[str, dict] = {}
LEVELS = ("满意", "基本满意", "不满意")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}

TILE = b"""<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
<rect width="256" height="256" fill="#eef0e6"/><path d="M0 140 L256 100" stroke="#fff" stroke-width="12"/>
<path d="M120 0 L140 256" stroke="#fff" stroke-width="8"/><rect x="30" y="30" width="60" height="50" fill="#d9d3c4"/>
<rect x="170" y="160" width="50" height="60" fill="#d9d3c4"/></svg>"""


def _pub(c: dict) -> dict:
    done = time.time() - c["created"] > 3
    return {"no": c["no"], "community": c["community"], "text": c["text"], "photo": c["photo"],
            "status": "已办结" if done else "已受理",
            "reply": "已约谈物业服务企业，电梯已于当日修复并完成安全检测。" if done else "",
            "rating": c["rating"], "can_rate": done and not c["rating"]}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    if host == "tiles.amap-proxy.corpus.test":
        return Response(200, TILE, {"Content-Type": "image/svg+xml", "Access-Control-Allow-Origin": "*"})
    if host != "api.zjj.corpus.test":
        return None
    if request.method == "OPTIONS":
        return Response(204, b"", dict(CORS))
    resp = _route(request, request.path.split("?")[0])
    resp.headers.update(CORS)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/house":
        addr = (request.query.get("addr") or [""])[0]
        return Response.json({"ok": True, "addr": addr, "level": "B级（基本安全）", "year": 1998, "checked": "2026-06-11"})
    if path == "/credit":
        return Response.json({"items": [{"name": "南江安居物业", "score": 96}, {"name": "东城绿苑物业", "score": 91},
                                        {"name": "高新宜家物业", "score": 85}]})
    if path == "/complaints" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写投诉内容"}, status=400)
        no = "ZJ%s%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        COMPLAINTS[no] = {"no": no, "community": str(d.get("community", "")), "text": text,
                          "photo": bool(d.get("photo")), "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/complaints" and request.method == "GET":
        return Response.json({"items": [_pub(c) for c in reversed(list(COMPLAINTS.values()))]})
    if path == "/complaints/rate" and request.method == "POST":
        d = request.json() or {}
        c = COMPLAINTS.get(d.get("no", ""))
        if not c or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        c["rating"] = d["level"]
        return Response.json({"ok": True})
    return Response.json({"ok": False}, status=404)
