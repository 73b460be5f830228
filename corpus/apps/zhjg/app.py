"""zhjg — 智慧机关 staff app (bottom tabs, modals): forced check-in, points ranking, online-time heartbeat, work photo."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.zhjg.corpus.test": SampleHost(static=True),
    "api.zhjg.corpus.test": SampleHost(),
}

CHECKINS: list[dict] = []
HEARTBEATS: list[dict] = []
ONLINE: dict[str, float] = {}
LAST_BEAT: dict[str, float] = {}
DAILY: list[dict] = []
POINTS = {"张伟": 1320, "王芳": 1290, "李娜": 1185, "刘洋": 1102, "陈静": 990, "杨磊": 930, "赵敏": 875}
_SEQ = itertools.count(1)
FEEDBACK: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.zhjg.corpus.test":
        return None
    path = request.path.split("?")[0]
    uid = (request.query.get("uid") or [request.headers.get("x-uid", "A0231")])[0]
    if path == "/api/checkin" and request.method == "POST":
        d = request.json() or {}
        CHECKINS.append({"uid": uid, "lat": d.get("lat"), "lng": d.get("lng"), "t": time.time()})
        POINTS["我"] = POINTS.get("我", 800) + 5
        return Response.json({"ok": True, "msg": "签到成功 +5积分", "time": time.strftime("%H:%M:%S")})
    if path == "/api/heartbeat":
        now = time.time()
        last = LAST_BEAT.get(uid)
        if last is not None and now - last < 120:
            ONLINE[uid] = ONLINE.get(uid, 0.0) + (now - last)
        LAST_BEAT[uid] = now
        HEARTBEATS.append({"uid": uid, "lat": (request.query.get("lat") or [None])[0],
                           "lng": (request.query.get("lng") or [None])[0], "t": now})
        return Response.json({"online_seconds": int(ONLINE.get(uid, 0)), "required_minutes": 120})
    if path == "/api/ranking":
        rows = sorted(POINTS.items(), key=lambda kv: -kv[1])
        return Response.json({"items": [{"rank": i + 1, "name": n, "points": p} for i, (n, p) in enumerate(rows)]})
    if path == "/api/daily" and request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if "multipart/form-data" not in ctype or b"filename=" not in request.body:
            return Response.json({"ok": False, "msg": "请上传工作照片"}, status=400)
        DAILY.append({"uid": uid, "size": len(request.body), "t": time.time()})
        return Response.json({"ok": True, "msg": "日报已提交，照片已存档"})
    if path == "/api/feedback" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请输入内容"}, status=400)
        no = "FK%05d" % next(_SEQ)
        FEEDBACK[no] = {"no": no, "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/api/feedback" and request.method == "GET":
        out = []
        for f in reversed(list(FEEDBACK.values())):
            done = time.time() - f["t"] > 1
            out.append({"no": f["no"], "text": f["text"], "status": "已处理" if done else "待处理",
                        "reply": "已转信息中心处理。" if done else "", "rating": f["rating"],
                        "can_rate": done and f["rating"] is None})
        return Response.json({"items": out})
    if path == "/api/feedback/rate" and request.method == "POST":
        d = request.json() or {}
        f = FEEDBACK.get(d.get("no", ""))
        if not f or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        f["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "评价成功"})
    return Response.json({}, status=404)
