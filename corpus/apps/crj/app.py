"""crj — 南江出入境 H5 in traditional Chinese with icon-only (aria-label) buttons. Fully compliant."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.crj.corpus.test": SampleHost(static=True),
    "api.crj.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
OPINIONS: dict[str, dict] = {}
LEVELS = ("非常滿意", "滿意", "基本滿意", "不滿意", "非常不滿意")


def _pub(o: dict) -> dict:
    done = time.time() - o["t"] > 1
    return {"no": o["no"], "kind": o["kind"], "text": o["text"], "status": "已辦結" if done else "已受理",
            "reply": "您好，您反映的預約名額不足問題已增加週六窗口，感謝監督。" if done else "",
            "rating": o["rating"], "can_rate": done and o["rating"] is None}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.crj.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/progress":
        no = (request.query.get("id") or [""])[0]
        return Response.json({"id": no, "stage": "制證中" if no else "請輸入受理號", "eta": "5個工作日"})
    if path == "/book" and request.method == "POST":
        return Response.json({"ok": True, "msg": "預約成功"})
    if path == "/opinions" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "請填寫內容"}, status=400)
        no = "CRJ%s%04d" % (time.strftime("%y%m%d"), next(_SEQ))
        OPINIONS[no] = {"no": no, "kind": d.get("kind", "建議"), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no, "msg": "已受理"})
    if path == "/opinions" and request.method == "GET":
        return Response.json({"items": [_pub(o) for o in reversed(list(OPINIONS.values()))]})
    if path == "/opinions/rate" and request.method == "POST":
        d = request.json() or {}
        o = OPINIONS.get(d.get("no", ""))
        if not o or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "評價失敗"}, status=400)
        o["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "感謝您的評價"})
    return Response.json({}, status=404)
