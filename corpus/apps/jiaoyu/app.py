"""jiaoyu — 南江教育服务 H5 (hash router, long unlabeled form). No sponsor/filing shown; 成绩查询 throws repeatedly."""
import random
import string
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.jiaoyu.corpus.test": SampleHost(static=True),
    "api.jiaoyu.corpus.test": SampleHost(),
}

_RNG = random.Random(2026)
OPINIONS: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def _code() -> str:
    return "YJ-" + "".join(_RNG.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.jiaoyu.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/enroll" and request.method == "POST":
        d = request.json() or {}
        missing = [k for k, v in d.items() if not str(v).strip()]
        if missing or len(d) < 30:
            return Response.json({"ok": False, "msg": "请完整填写全部信息（%d项未填）" % max(len(missing), 30 - len(d))}, status=400)
        return Response.json({"ok": True, "msg": "报名信息已登记"})
    if path == "/schools":
        district = (request.query.get("district") or ["东城区"])[0]
        return Response.json({"items": ["%s第%d小学" % (district, i) for i in range(1, 6)]})
    if path == "/opinions" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("content", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写意见内容"}, status=400)
        code = _code()
        OPINIONS[code] = {"code": code, "topic": d.get("topic", ""), "content": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "code": code, "msg": "您的意见已收到"})
    if path == "/opinions/query":
        code = (request.query.get("code") or [""])[0].strip().upper()
        o = OPINIONS.get(code)
        if not o:
            return Response.json({"ok": False, "msg": "查询码不存在"}, status=404)
        done = time.time() - o["t"] > 1
        return Response.json({"ok": True, "code": code, "topic": o["topic"], "content": o["content"],
                              "status": "已答复" if done else "已受理",
                              "reply": "感谢您对义务教育招生政策的意见，我局已在修订稿中采纳。" if done else "",
                              "rating": o["rating"], "can_rate": done and o["rating"] is None})
    if path == "/opinions/rate" and request.method == "POST":
        d = request.json() or {}
        o = OPINIONS.get(str(d.get("code", "")).upper())
        if not o or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        o["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "评价成功"})
    return Response.json({}, status=404)
