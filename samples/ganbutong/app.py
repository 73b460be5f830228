"""干部通: a violating sample staff-work H5 app and its backend.

Violates on purpose: daily check-in, a points ranking, an online-time heartbeat and a study-time
heartbeat, a work-photo upload with location that blocks the work page until done, no complaint
feature, and an image host reachable over IPv4 only.
"""

from __future__ import annotations

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "app.ganbutong.demo.test": SampleHost(static=True),
    "img.ganbutong.demo.test": SampleHost(families=frozenset({4})),
}

_state: dict[str, int] = {"checkins": 0, "online_seconds": 0, "study_seconds": 0, "photos": 0}
RANKING = [
    {"name": "张**", "dept": "综合科", "points": 1280},
    {"name": "李**", "dept": "审批科", "points": 1175},
    {"name": "王**", "dept": "督查科", "points": 990},
]


def handle(request: Request) -> Response | None:
    path, method = request.path, request.method
    if request.host == "img.ganbutong.demo.test":
        if path == "/upload/work-photo" and method == "POST":
            _state["photos"] += 1
            return Response.json({"ok": True, "photo_id": _state["photos"]})
        return Response.json({"error": "not found"}, 404)
    if not path.startswith("/api/"):
        return None
    if path == "/api/checkin" and method == "POST":
        _state["checkins"] += 1
        return Response.json({"ok": True, "days": 12 + _state["checkins"], "points": 5})
    if path == "/api/points/rank":
        return Response.json(RANKING)
    if path == "/api/online/heartbeat" and method == "POST":
        _state["online_seconds"] += 5
        return Response.json({"ok": True})
    if path == "/api/study/heartbeat" and method == "POST":
        _state["study_seconds"] += 5
        return Response.json({"ok": True, "today_minutes": _state["study_seconds"] // 60})
    if path == "/api/tasks":
        tasks = [{"title": "走访企业服务记录", "need_photo": True}, {"title": "窗口值班", "need_photo": True}]
        return Response.json(tasks)
    return Response.json({"error": "not found"}, 404)
