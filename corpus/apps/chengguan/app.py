"""chengguan — 南江城管 H5 (hash router, target=_blank links, window.confirm). 随手拍 needs a photo + one position."""
import itertools
import time
from urllib.parse import parse_qs

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.chengguan.corpus.test": SampleHost(static=True),
    "api.chengguan.corpus.test": SampleHost(),
}

REPORTS: list[dict] = []
_SEQ = itertools.count(1)
CASES: dict[str, dict] = {}
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.chengguan.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/snap" and request.method == "POST":
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if not form.get("photo", "").startswith("data:image"):
            return Response.json({"ok": False, "msg": "请拍摄问题现场照片"}, status=400)
        REPORTS.append({"kind": form.get("kind"), "lat": form.get("lat"), "lng": form.get("lng"),
                        "photo_len": len(form.get("photo", "")), "t": time.time()})
        return Response.json({"ok": True, "msg": "上报成功，感谢您参与城市管理", "case": "SSP%05d" % len(REPORTS)})
    if path == "/complaints" and request.method == "POST":
        d = request.json() or {}
        text = str(d.get("text", "")).strip()
        if not text:
            return Response.json({"ok": False, "msg": "请填写内容"}, status=400)
        no = "CG%s%04d" % (time.strftime("%m%d"), next(_SEQ))
        CASES[no] = {"no": no, "kind": d.get("kind", "投诉"), "text": text, "t": time.time(), "rating": None}
        return Response.json({"ok": True, "no": no})
    if path == "/complaints" and request.method == "GET":
        out = []
        for c in reversed(list(CASES.values())):
            done = time.time() - c["t"] > 2
            out.append({"no": c["no"], "kind": c["kind"], "text": c["text"], "status": "已办结" if done else "已派遣",
                        "reply": "执法中队已到场处置，占道摊点已清理。" if done else "", "rating": c["rating"],
                        "can_rate": done and c["rating"] is None})
        return Response.json({"items": out})
    if path == "/complaints/rate" and request.method == "POST":
        d = request.json() or {}
        c = CASES.get(d.get("no", ""))
        if not c or d.get("level") not in LEVELS:
            return Response.json({"ok": False, "msg": "评价失败"}, status=400)
        c["rating"] = d["level"]
        return Response.json({"ok": True, "msg": "感谢您的评价"})
    return Response.json({}, status=404)
