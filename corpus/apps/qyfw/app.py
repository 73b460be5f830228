"""qyfw — 南江企业服务 H5 (complaint pages in a same-host iframe, infinite scroll, slow reply ~8 s). Fully compliant."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.qyfw.corpus.test": SampleHost(static=True)}

REPLY_DELAY_S = 8.0
_SEQ = itertools.count(1)
APPEALS: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
TOPICS = ["增值税留抵退税", "专精特新企业认定", "稳岗补贴申领", "首台套保险补偿", "科技创新券", "外贸企业出口信保",
          "小微企业贷款贴息", "人才安居补贴", "研发费用加计扣除", "企业开办一网通办"]


def _pub(a: dict) -> dict:
    age = time.time() - a["t"]
    done = age >= REPLY_DELAY_S
    return {"no": a["no"], "company": a["company"], "text": a["text"],
            "status": "已办结" if done else ("已受理" if age < 3 else "办理中"),
            "reply": "您好，已协调市税务局为贵企业开通退税绿色通道。" if done else "",
            "rating": a["rating"], "can_rate": done and a["rating"] is None}


def handle(request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if not path.startswith("/api/"):
        return None
    if path == "/api/policies":
        page = int((request.query.get("page") or ["1"])[0])
        if page > 5:
            return Response.json({"items": [], "more": False})
        items = [{"title": "%s政策申报指南（%d）" % (TOPICS[(page * 10 + i) % len(TOPICS)], page * 10 + i)} for i in range(10)]
        return Response.json({"items": items, "more": page < 5})
    if path == "/api/appeals" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写诉求内容"}, status=400)
        no = "QY%s%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        APPEALS[no] = {"no": no, "company": d.get("company", ""), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/api/appeals" and request.method == "GET":
        return Response.json({"items": [_pub(a) for a in reversed(list(APPEALS.values()))]})
    if path == "/api/appeals/rate" and request.method == "POST":
        d = request.json() or {}
        a = APPEALS.get(d.get("no", ""))
        if not a or time.time() - a["t"] < REPLY_DELAY_S or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "暂不能评价"}, status=400)
        a["rating"] = d["level"]
        a["comment"] = d.get("comment", "")
        return Response.json({"ok": True, "msg": "好差评已提交"})
    return Response.json({}, status=404)
