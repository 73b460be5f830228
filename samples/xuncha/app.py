"""城管巡查通: a sample field-inspection H5 app that tracks its users and half-implements complaints.

Exercises: position uploads in GCJ-02 (to the map API) and BD-09 (to the report API), a periodic
track while the inspection runs, a photo resized and recompressed in the browser and sent as
base64 JSON, a complaint form with no tracking or rating, and a host that has an AAAA record
(the hosts map lists ::1) but does not answer over IPv6.
"""

from __future__ import annotations

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.xuncha.demo.test": SampleHost(static=True),
    "map.xuncha.demo.test": SampleHost(families=frozenset({4})),  # AAAA published, IPv6 not served
}

_reports: list[dict] = []


def handle(request: Request) -> Response | None:
    path = request.path
    if request.host == "map.xuncha.demo.test":
        if path == "/v1/track":
            return Response.json({"ok": True})
        return Response.json({"error": "not found"}, 404)
    if not path.startswith("/api/"):
        return None
    if path == "/api/reports" and request.method == "POST":
        _reports.append(request.json() or {})
        return Response.json({"ok": True, "id": len(_reports)})
    if path == "/api/feedback" and request.method == "POST":
        return Response.json({"ok": True, "message": "提交成功"})
    if path == "/api/tasks":
        return Response.json([{"title": "人民路占道经营巡查"}, {"title": "滨江公园设施巡查"}])
    return Response.json({"error": "not found"}, 404)
