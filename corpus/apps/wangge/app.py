"""wangge — 网格通 grid-inspector staff app (drawer menu, settings buried 3 levels). Check-in, ranking, GCJ-02 track, forced photo to an IPv4-only host; no complaint function."""
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.wangge.corpus.test": SampleHost(static=True),
    "api.wangge.corpus.test": SampleHost(),
    "img.wangge.corpus.test": SampleHost(families=frozenset({4})),  # IPv4-only photo host
}

CHECKINS: list[dict] = []
TRACK: list[dict] = []
PHOTOS: list[dict] = []
EVENTS: list[dict] = []
SCORES = {"网格员001": 96, "网格员014": 93, "网格员007": 90, "网格员022": 88, "网格员003": 81}


def handle(request: Request) -> Response | None:
    host = request.host.split(":")[0]
    path = request.path.split("?")[0]
    if host == "img.wangge.corpus.test":
        if path == "/upload" and request.method == "POST":
            PHOTOS.append({"size": len(request.body), "t": time.time()})
            return Response.json({"ok": True, "url": "/p/%d.jpg" % len(PHOTOS)})
        return Response.json({"ok": False}, status=404)
    if host != "api.wangge.corpus.test":
        return None
    if path == "/inspect/checkin" and request.method == "POST":
        d = request.json() or {}
        CHECKINS.append({"pos": d.get("pos"), "t": time.time()})
        return Response.json({"ok": True, "msg": "巡查打卡成功", "at": time.strftime("%H:%M")})
    if path == "/inspect/track" and request.method == "POST":
        d = request.json() or {}
        TRACK.extend(d.get("points", []))
        return Response.json({"ok": True, "count": len(TRACK)})
    if path == "/rank":
        rows = sorted(SCORES.items(), key=lambda kv: -kv[1])
        return Response.json({"items": [{"no": i + 1, "name": n, "score": s} for i, (n, s) in enumerate(rows)]})
    if path == "/event" and request.method == "POST":
        d = request.json() or {}
        if not d.get("photo_url"):
            return Response.json({"ok": False, "msg": "必须上传现场照片"}, status=400)
        EVENTS.append(d)
        return Response.json({"ok": True, "msg": "事件已上报"})
    return Response.json({}, status=404)
