"""yibao — 南江人社医保 H5 (history router, modals, select/date pickers). 留言 accepts but cannot be tracked or rated."""
import itertools
import os
import random
import time

from harness.samples.server import Request, Response, SampleHost

HOSTS = {"www.yibao.corpus.test": SampleHost(static=True)}

_HERE = os.path.dirname(os.path.abspath(__file__))
_SEQ = itertools.count(101)
MESSAGES: list[dict] = []
_RNG = random.Random(7)


def _records(kind: str, start: str, end: str) -> list[dict]:
    rows = []
    for m in range(1, 13):
        month = "2025-%02d" % m
        if start and month < start[:7]:
            continue
        if end and month > end[:7]:
            continue
        base = {"养老保险": 880.0, "医疗保险": 420.5, "失业保险": 35.2}.get(kind, 100.0)
        rows.append({"month": month, "kind": kind, "amount": base, "status": "已到账"})
    return rows


def handle(request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if path.startswith("/api/"):
        if path == "/api/records":
            q = request.query
            kind = (q.get("kind") or ["养老保险"])[0]
            return Response.json({"items": _records(kind, (q.get("from") or [""])[0], (q.get("to") or [""])[0])})
        if path == "/api/messages" and request.method == "POST":
            d = request.json() or {}
            text = str(d.get("text", "")).strip()
            if not text:
                return Response.json({"ok": False, "msg": "请输入留言内容"}, status=400)
            no = "LY%s%05d" % (time.strftime("%Y%m%d"), next(_SEQ))
            MESSAGES.append({"no": no, "topic": d.get("topic"), "text": text, "t": time.time()})
            # Accepted only: nothing can be tracked or rated afterwards.
            return Response.json({"ok": True, "no": no, "msg": "留言成功，我们会尽快处理"})
        return Response.json({"ok": False}, status=404)
    # history-router deep links: serve the SPA shell
    if "." not in path.rsplit("/", 1)[-1] and path != "/":
        with open(os.path.join(_HERE, "static", "index.html"), "rb") as fh:
            return Response(status=200, body=fh.read(), headers={"Content-Type": "text/html; charset=utf-8"})
    return None
