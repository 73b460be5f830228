"""wlj — Nanjiang Culture & Tourism H5 (English labels; <dialog> confirm; Chrome < 80 gate; footer loaded after 2 s)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.wlj.corpus.test": SampleHost(static=True),
    "api.wlj.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}
LEVELS = ("1", "2", "3", "4", "5")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}


def _pub(c: dict) -> dict:
    done = time.time() - c["created"] > 5
    return {"no": c["no"], "topic": c["topic"], "text": c["text"], "status": "Replied" if done else "Accepted",
            "reply": "Thank you. The ticket office at West Lake Park now accepts foreign bank cards." if done else "",
            "rating": c["rating"], "can_rate": done and not c["rating"]}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.wlj.corpus.test":
        return None
    if request.method == "OPTIONS":
        return Response(204, b"", dict(CORS))
    resp = _route(request, request.path.split("?")[0])
    resp.headers.update(CORS)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/site":
        time.sleep(0.2)
        return Response.json({"sponsor": "南江市文化广电旅游局 (Nanjiang Culture, Radio, TV and Tourism Bureau)",
                              "filing": "浙ICP备2026005566号-1"})
    if path == "/spots":
        return Response.json({"items": [
            {"name": "West Lake Park", "visitors": 18230, "lat": 30.25, "lng": 120.14},
            {"name": "Old Town Museum", "visitors": 9120, "lat": 30.27, "lng": 120.16},
            {"name": "Riverside Art Gallery", "visitors": 4410, "lat": 30.22, "lng": 120.19}]})
    if path == "/weather":
        return Response.json({"ok": False, "msg": "upstream unavailable"})
    if path == "/cases" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "Please describe your issue."}, status=400)
        no = "WL-%s-%03d" % (time.strftime("%Y%m%d"), next(_SEQ))
        CASES[no] = {"no": no, "topic": str(d.get("topic", "Complaint")), "text": text, "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/cases" and request.method == "GET":
        return Response.json({"items": [_pub(c) for c in reversed(list(CASES.values()))]})
    if path == "/cases/rate" and request.method == "POST":
        d = request.json() or {}
        c = CASES.get(d.get("no", ""))
        if not c or str(d.get("stars")) not in LEVELS:
            return Response.json({"ok": False, "msg": "Rating failed"}, status=400)
        c["rating"] = str(d["stars"])
        return Response.json({"ok": True})
    return Response.json({"ok": False}, status=404)
