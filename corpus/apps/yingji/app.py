"""yingji — 南江应急 H5 (multi-page). 应急值守打卡 under a declared emergency-duty scene; feedback fully working."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.yingji.corpus.test": SampleHost(static=True)}

DUTY: list[dict] = []
_SEQ = itertools.count(1)
TICKETS: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def handle(request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if not path.startswith("/api/"):
        return None
    if path == "/api/duty/checkin" and request.method == "POST":
        d = request.json() or {}
        DUTY.append({"post": d.get("post"), "lat": d.get("lat"), "lng": d.get("lng"), "t": time.time()})
        return Response.json({"ok": True, "msg": "值守到岗已登记", "at": time.strftime("%H:%M:%S")})
    if path == "/api/alerts":
        return Response.json({"items": [
            {"level": "蓝色", "title": "南江市气象台发布大风蓝色预警", "time": "06:20"},
            {"level": "黄色", "title": "东湖水库汛限水位黄色提示", "time": "昨日"}]})
    if path == "/api/tickets" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请描述问题"}, status=400)
        no = "YJ-FK-%04d" % next(_SEQ)
        TICKETS[no] = {"no": no, "kind": d.get("kind", "意见建议"), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/api/tickets" and request.method == "GET":
        out = []
        for k in reversed(list(TICKETS.values())):
            done = time.time() - k["t"] > 1
            out.append({"no": k["no"], "kind": k["kind"], "text": k["text"], "status": "已答复" if done else "已受理",
                        "reply": "感谢反馈，避难场所信息已更新。" if done else "", "rating": k["rating"],
                        "can_rate": done and k["rating"] is None})
        return Response.json({"items": out})
    if path == "/api/tickets/rate" and request.method == "POST":
        d = request.json() or {}
        k = TICKETS.get(d.get("no", ""))
        if not k or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        k["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "评价已提交"})
    return Response.json({}, status=404)
