"""gaj — 南江公安 H5 (history router, splash agreement, alert/confirm). 积分落户 is a public residence-permit service."""
import itertools
import os
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.gaj.corpus.test": SampleHost(static=True)}

_HERE = os.path.dirname(os.path.abspath(__file__))
_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
PUBLIC_LIST = [("陈*明", 168.5), ("刘*华", 161.0), ("黄*", 157.25), ("周*婷", 152.0), ("吴*强", 149.5)]


def _shell() -> Response:
    with open(os.path.join(_HERE, "static", "index.html"), "rb") as fh:
        return Response(status=200, body=fh.read(), headers={"Content-Type": "text/html; charset=utf-8"})


def handle(request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if not path.startswith("/api/"):
        if path != "/" and "." not in path.rsplit("/", 1)[-1]:
            return _shell()
        return None
    if path == "/api/jfld/calc" and request.method == "POST":
        d = request.json() or {}
        score = {"博士": 60, "硕士": 50, "本科": 40, "大专": 20}.get(d.get("edu"), 0)
        score += min(int(d.get("years") or 0), 10) * 3
        score += {"中级": 15, "高级": 30}.get(d.get("title"), 0)
        return Response.json({"score": score, "line": 140, "note": "本结果仅供参考，以积分落户申报审核为准"})
    if path == "/api/jfld/list":
        return Response.json({"year": 2025, "items": [{"rank": i + 1, "name": n, "score": s} for i, (n, s) in enumerate(PUBLIC_LIST)]})
    if path == "/api/complaints" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写内容"}, status=400)
        no = "JM%s%04d" % (time.strftime("%y%m%d"), next(_SEQ))
        CASES[no] = {"no": no, "kind": d.get("kind", "投诉"), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/api/complaints" and request.method == "GET":
        out = []
        for c in reversed(list(CASES.values())):
            done = time.time() - c["t"] > 2
            out.append({"no": c["no"], "kind": c["kind"], "text": c["text"], "status": "已办结" if done else "已受理",
                        "reply": "您反映的窗口排队问题已整改，增设自助办理终端。" if done else "",
                        "rating": c["rating"], "can_rate": done and c["rating"] is None})
        return Response.json({"items": out})
    if path == "/api/complaints/rate" and request.method == "POST":
        d = request.json() or {}
        c = CASES.get(d.get("no", ""))
        if not c or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        c["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "评价成功"})
    return Response.json({}, status=404)
