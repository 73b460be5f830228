"""minzheng — 南江民政 H5 that waits for WeixinJSBridgeReady before rendering: blank screen outside WeChat."""
import itertools
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.minzheng.corpus.test": SampleHost(static=True),
    "api.minzheng.corpus.test": SampleHost(),
}

_SEQ = itertools.count(1)
MSGS: dict[str, dict] = {}


def handle(request: Request) -> Response | None:
    if request.host.split(":")[0] != "api.minzheng.corpus.test":
        return None
    path = request.path.split("?")[0]
    if path == "/config":
        return Response.json({"appId": "wx0000000000000000", "version": "1.3.0"})
    if path == "/suggest" and request.method == "POST":
        d = request.json() or {}
        no = "MZ%05d" % next(_SEQ)
        MSGS[no] = {"no": no, "text": d.get("text", ""), "t": time.time()}
        return Response.json({"ok": True, "no": no})
    return Response.json({}, status=404)
