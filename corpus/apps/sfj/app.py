"""sfj — 南江司法 H5 (single long scrolling page with anchor navigation; 咨询投诉 / 市民来信 with 信件编号)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.sfj.corpus.test": SampleHost(static=True),
    "api.sfj.corpus.test": SampleHost(),
    "static.cdnpub.corpus.test": SampleHost(),  # looks third-party, but dual-stack
}

_SEQ = itertools.count(1)
LETTERS: dict[str, dict] = {}
LEVELS = ("满意", "基本满意", "不满意")

CSS = b"""/* cdnpub common */ .hint{color:#667;font-size:12px}.tag{display:inline-block;background:#e7eefb;color:#2a4d8f;border-radius:4px;padding:1px 6px;font-size:12px;margin-right:4px}"""


def _pub(l: dict) -> dict:
    done = time.time() - l["created"] > 4
    return {"no": l["no"], "phone": l["phone"], "kind": l["kind"], "text": l["text"],
            "status": "已答复" if done else "办理中",
            "reply": "您的来信已转市法律援助中心办理，工作人员已电话联系您。" if done else "",
            "rating": l["rating"], "can_rate": done and not l["rating"]}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host == "static.cdnpub.corpus.test":
        return Response(200, CSS, {"Content-Type": "text/css; charset=utf-8", "Access-Control-Allow-Origin": "*"})
    if host != "api.sfj.corpus.test":
        return None
    cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "Content-Type"}
    if request.method == "OPTIONS":
        return Response(204, b"", cors)
    resp = _route(request, path)
    resp.headers.update(cors)
    return resp


def _route(request: Request, path: str) -> Response:
    if path == "/offices":
        return Response.json({"items": ["南江市公共法律服务中心（市民中心2楼）", "东城区法律援助工作站", "高新区公共法律服务站"]})
    if path == "/letters" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        phone = str(d.get("phone", "")).strip()
        if not text or not phone:
            return Response.json({"ok": False, "msg": "请填写手机号和来信内容"}, status=400)
        no = "SFXJ%s%04d" % (time.strftime("%Y%m%d"), next(_SEQ))
        LETTERS[no] = {"no": no, "phone": phone, "kind": d.get("kind", "投诉"), "text": text,
                       "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/letters/query":
        no = (request.query.get("no") or [""])[0].strip()
        phone = (request.query.get("phone") or [""])[0].strip()
        l = LETTERS.get(no)
        if not l or l["phone"] != phone:
            return Response.json({"ok": False, "msg": "未查询到该信件，请核对手机号和信件编号"}, status=404)
        return Response.json({"ok": True, "letter": _pub(l)})
    if path == "/letters/rate" and request.method == "POST":
        d = request.json() or {}
        l = LETTERS.get(d.get("no", ""))
        if not l or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        l["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "感谢您的评价"})
    return Response.json({"ok": False}, status=404)
