"""tyj — 南江体育 H5 (top segmented control; forced 运动打卡 + 排行榜; Chrome ≥ 200 gate on 赛事; repeated TypeError; no rating)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.tyj.corpus.test": SampleHost(static=True),
    "api.tyj.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
FEEDBACK: dict[str, dict] = {}
CHECKINS: list[float] = []
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


def _pub(f: dict) -> dict:
    done = time.time() - f["created"] > 3
    return {"no": f["no"], "text": f["text"], "has_shot": f["has_shot"], "status": "已回复" if done else "待处理",
            "reply": "感谢反馈，体育馆夜间开放时间已延长至22:00。" if done else ""}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.tyj.corpus.test":
        return None
    if request.method == "OPTIONS":
        return Response(204, b"", dict(CORS))
    resp = _route(request, request.path.split("?")[0])
    resp.headers.update(CORS)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/checkin" and request.method == "POST":
        CHECKINS.append(time.time())
        return Response.json({"ok": True, "days": 3 + len(CHECKINS), "points": 10 * (3 + len(CHECKINS))})
    if path == "/ranking":
        return Response.json({"items": [{"name": "张*明", "days": 128}, {"name": "李*", "days": 117},
                                        {"name": "王*华", "days": 96}, {"name": "我", "days": 3 + len(CHECKINS)}]})
    if path == "/venues":
        return Response.json({"items": [{"name": "市体育中心游泳馆", "open": "06:30-21:30"},
                                        {"name": "东城全民健身中心", "open": "08:00-22:00"}]})
    if path == "/feedback" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写反馈内容"}, status=400)
        no = "TY%05d" % next(_SEQ)
        FEEDBACK[no] = {"no": no, "text": text, "has_shot": bool(d.get("shot")), "created": time.time()}
        return Response.json({"ok": True, "no": no})
    if path == "/feedback" and request.method == "GET":
        return Response.json({"items": [_pub(f) for f in reversed(list(FEEDBACK.values()))]})
    return Response.json({"ok": False}, status=404)
