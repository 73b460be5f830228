"""hbj — 南江生态环境 H5 (card-stack wizard with 下一步; track uploaded while the wizard is open; IPv4-only API)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.hbj.corpus.test": SampleHost(static=True),
    "api.hbj.corpus.test": SampleHost(families=frozenset({4})),  # IPv4-only API host
}

_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}
TRACK: list[dict] = []
LEVELS = ("非常满意", "满意", "一般", "不满意")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


def _pub(c: dict) -> dict:
    done = time.time() - c["created"] > 4
    return {"no": c["no"], "kind": c["kind"], "addr": c["addr"], "text": c["text"],
            "status": "已办结" if done else "已受理",
            "reply": "经执法人员现场核查，涉事企业已停产整改，后续将持续跟踪。" if done else "",
            "rating": c["rating"], "can_rate": done and not c["rating"]}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    if host != "api.hbj.corpus.test":
        return None
    if request.method == "OPTIONS":
        return Response(204, b"", dict(CORS))
    resp = _route(request, request.path.split("?")[0])
    resp.headers.update(CORS)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/aqi":
        return Response.json({"aqi": 42, "level": "优", "pm25": 18})
    if path == "/track" and request.method == "POST":
        d = request.json() or {}
        TRACK.append({"lat": d.get("lat"), "lng": d.get("lng"), "ts": d.get("ts")})
        return Response.json({"ok": True})
    if path == "/cases" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写问题描述"}, status=400)
        no = "HB%s%03d" % (time.strftime("%y%m%d"), next(_SEQ))
        CASES[no] = {"no": no, "kind": d.get("kind", "大气污染"), "addr": str(d.get("addr", "")), "text": text,
                     "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/cases" and request.method == "GET":
        return Response.json({"items": [_pub(c) for c in reversed(list(CASES.values()))]})
    if path == "/cases/rate" and request.method == "POST":
        d = request.json() or {}
        c = CASES.get(d.get("no", ""))
        if not c or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        c["rating"] = d["level"]
        return Response.json({"ok": True})
    return Response.json({"ok": False}, status=404)
