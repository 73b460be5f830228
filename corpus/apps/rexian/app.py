"""rexian — 南江12345 热线 H5, multi-page site with confirm/alert; slow backend (reply after ~6 s). Fully compliant."""
import itertools
import random
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.rexian.corpus.test": SampleHost(static=True),
    "api.rexian.corpus.test": SampleHost(),
}

REPLY_DELAY_S = 6.0
_SEQ = itertools.count(1)
_RNG = random.Random(12345)
ORDERS: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def _public(o: dict) -> dict:
    age = time.time() - o["created"]
    if age < 2:
        status = "已受理"
    elif age < REPLY_DELAY_S:
        status = "办理中（已派发至承办单位）"
    else:
        status = "已办结"
    done = age >= REPLY_DELAY_S
    return {"no": o["no"], "category": o["category"], "content": o["content"], "status": status,
            "has_photo": o["has_photo"],
            "reply": "承办单位答复：经现场核查，您反映的问题已安排整改，预计3个工作日内完成。" if done else "",
            "can_rate": done and o["rating"] is None, "rating": o["rating"]}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    if host != "api.rexian.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/orders" and request.method == "POST":
        d = request.json() or {}
        content = str(d.get("content", "")).strip()
        if not content:
            return Response.json({"ok": False, "msg": "请填写诉求内容"}, status=400)
        no = "12345-%s-%05d" % (time.strftime("%y%m%d"), next(_SEQ))
        code = "%04d" % _RNG.randint(0, 9999)
        ORDERS[no] = {"no": no, "code": code, "category": d.get("category", "其他"), "content": content,
                      "name": d.get("name", ""), "has_photo": bool(d.get("photo")), "created": time.time(),
                      "rating": None}
        return Response.json({"ok": True, "no": no, "code": code})
    if path == "/orders/query":
        no = (request.query.get("no") or [""])[0].strip()
        code = (request.query.get("code") or [""])[0].strip()
        o = ORDERS.get(no)
        if not o or o["code"] != code:
            return Response.json({"ok": False, "msg": "受理编号或查询码不正确"}, status=404)
        return Response.json({"ok": True, "order": _public(o)})
    if path == "/orders/rate" and request.method == "POST":
        d = request.json() or {}
        o = ORDERS.get(d.get("no", ""))
        if not o or o["code"] != d.get("code"):
            return Response.json({"ok": False, "msg": "工单不存在"}, status=404)
        if time.time() - o["created"] < REPLY_DELAY_S:
            return Response.json({"ok": False, "msg": "工单尚未办结"}, status=409)
        if d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "请选择评价"}, status=400)
        o["rating"] = d["level"]
        o["rating_note"] = d.get("note", "")
        return Response.json({"ok": True, "msg": "回访评价已提交"})
    return Response.json({"ok": False}, status=404)
