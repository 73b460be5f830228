"""gjj — 南江公积金 H5 (drawer menu + infinite scroll). Calculator freezes ~7 s; feedback has no rating."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.gjj.corpus.test": SampleHost(static=True),
    "api.gjj.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
FEEDBACK: dict[str, dict] = {}


def _deposits(page: int) -> dict:
    if page > 5:
        return {"items": [], "more": False}
    items = []
    for i in range(15):
        n = (page - 1) * 15 + i
        y, m = 2025 - n // 12, 12 - n % 12
        items.append({"month": "%d-%02d" % (y, m), "unit": "南江市某某科技有限公司", "amount": 1240.00, "type": "汇缴"})
    return {"items": items, "more": page < 5}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.gjj.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/deposits":
        page = int((request.query.get("page") or ["1"])[0])
        return Response.json(_deposits(page))
    if path == "/feedback" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"code": 1, "msg": "内容不能为空"}, status=400)
        no = "GJJ%06d" % next(_SEQ)
        FEEDBACK[no] = {"no": no, "kind": d.get("kind", "建议"), "text": text, "created": time.time()}
        return Response.json({"code": 0, "no": no, "msg": "反馈已受理"})
    if path == "/feedback" and request.method == "GET":
        out = []
        for f in reversed(list(FEEDBACK.values())):
            done = time.time() - f["created"] > 1
            out.append({"no": f["no"], "kind": f["kind"], "text": f["text"],
                        "status": "已回复" if done else "处理中",
                        "reply": "感谢您的反馈，相关业务流程正在优化中。" if done else ""})
        # No rating endpoint exists: 回访评价 is missing.
        return Response.json({"code": 0, "items": out})
    return Response.json({"code": 404}, status=404)
