"""xczx — 乡村振兴驻村帮扶 staff app (multi-page, infinite scroll). Mostly violating: ranking, study-time heartbeat,
base64 track, forced photo, freeze, complaint submit always fails, IPv4-only API host, no sponsor/filing."""
import base64
import json
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.xczx.corpus.test": SampleHost(static=True),
    "api.xczx.corpus.test": SampleHost(families=frozenset({4})),  # IPv4-only API host
}

STUDY: dict[str, float] = {}
LAST: dict[str, float] = {}
TRACK: list[dict] = []
VISITS: list[dict] = []
BOARD = {"李建国（东岭村）": 2860, "王秀英（西坡村）": 2710, "张志强（南湾村）": 2555, "赵红梅（北山村）": 2390, "孙立新（石桥村）": 2105}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.xczx.corpus.test":
        return None
    path = request.path.split("?")[0]
    uid = (request.query.get("uid") or ["zc1024"])[0]
    if path == "/feed":
        page = int((request.query.get("page") or ["1"])[0])
        if page > 6:
            return Response.json({"items": [], "more": False})
        items = [{"title": "驻村日志：第%d期 产业帮扶进展" % ((page - 1) * 8 + i + 1),
                  "village": ["东岭村", "西坡村", "南湾村", "北山村"][i % 4]} for i in range(8)]
        return Response.json({"items": items, "more": page < 6})
    if path == "/study/heartbeat":
        now = time.time()
        if uid in LAST and now - LAST[uid] < 60:
            STUDY[uid] = STUDY.get(uid, 0.0) + now - LAST[uid]
        LAST[uid] = now
        return Response.json({"study_seconds": int(STUDY.get(uid, 0)), "score": int(STUDY.get(uid, 0) // 60)})
    if path == "/study/board":
        rows = sorted(BOARD.items(), key=lambda kv: -kv[1])
        return Response.json({"items": [{"rank": i + 1, "name": n, "points": p} for i, (n, p) in enumerate(rows)]})
    if path == "/visit/loc" and request.method == "POST":
        d = request.json() or {}
        try:
            TRACK.append(json.loads(base64.b64decode(d.get("payload", "")).decode()))
        except Exception:  # noqa: BLE001 - sample backend, tolerate junk
            pass
        return Response.json({"ok": True, "n": len(TRACK)})
    if path == "/visit/record" and request.method == "POST":
        if b"filename=" not in request.body:
            return Response.json({"ok": False, "msg": "请上传走访照片"}, status=400)
        VISITS.append({"size": len(request.body), "t": time.time()})
        return Response.json({"ok": True, "msg": "走访记录已提交"})
    if path == "/message":
        # the complaint endpoint is broken: it never accepts anything
        return Response.json({"code": 500, "msg": "系统繁忙，请稍后再试"}, status=500)
    return Response.json({}, status=404)
