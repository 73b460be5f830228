"""bdc — 南江不动产登记 H5 (modal dialogs + map iframe from an IPv4-only second host)."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.bdc.corpus.test": SampleHost(static=True),
    "api.bdc.corpus.test": SampleHost(),
    "map.bdc.corpus.test": SampleHost(families=frozenset({4})),  # IPv4-only map host (iframe)
}

_SEQ = itertools.count(1)
APPEALS: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")

MAP_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>登记网点地图</title>
<style>body{margin:0;font-family:sans-serif;background:#eaf1e4}svg{display:block;width:100%;height:auto}
p{font-size:12px;margin:4px 8px;color:#445}</style></head><body>
<svg viewBox="0 0 360 220" role="img" aria-label="登记网点示意图">
<rect width="360" height="220" fill="#eaf1e4"/><path d="M0 120 L360 90" stroke="#fff" stroke-width="14"/>
<path d="M150 0 L170 220" stroke="#fff" stroke-width="10"/><path d="M0 40 Q180 70 360 30" stroke="#9cc3e6" stroke-width="8" fill="none"/>
<circle cx="80" cy="110" r="8" fill="#d33"/><text x="92" y="106" font-size="12">市登记中心</text>
<circle cx="250" cy="150" r="8" fill="#d33"/><text x="262" y="146" font-size="12">东城分中心</text>
<circle cx="190" cy="60" r="8" fill="#d33"/><text x="202" y="56" font-size="12">高新区窗口</text></svg>
<p>示意图，仅供参考</p></body></html>"""


def _pub(a: dict) -> dict:
    done = time.time() - a["created"] > 1.5
    return {"no": a["no"], "kind": a["kind"], "text": a["text"], "status": "已办结" if done else "受理中",
            "reply": "您反映的登记办理时限问题已核实，窗口已增设专人辅导。" if done else "",
            "rating": a["rating"], "can_rate": done and not a["rating"]}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host == "map.bdc.corpus.test":
        return Response(status=200, body=MAP_HTML.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    if host != "api.bdc.corpus.test":
        return None
    if path == "/property" :
        cert = (request.query.get("cert") or [""])[0]
        if not cert:
            return Response.json({"ok": False, "msg": "请输入不动产权证号"}, status=400)
        return Response.json({"ok": True, "cert": cert, "status": "正常", "mortgage": "无抵押", "seal": "无查封"})
    if path == "/appeals" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写诉求内容"}, status=400)
        no = "BDC-SQ-%s%03d" % (time.strftime("%m%d"), next(_SEQ))
        APPEALS[no] = {"no": no, "kind": d.get("kind", "投诉"), "text": text, "created": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/appeals" and request.method == "GET":
        return Response.json({"items": [_pub(a) for a in reversed(list(APPEALS.values()))]})
    if path == "/appeals/rate" and request.method == "POST":
        d = request.json() or {}
        a = APPEALS.get(d.get("no", ""))
        if not a or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        a["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "感谢您的评价"})
    return Response.json({"ok": False}, status=404)
