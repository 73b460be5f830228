"""A hostile government H5 app and its backend, for Fingertip's network-safety tests.

Its complaint form sends what the user typed every way an app can: a GET, an image beacon, a
sendBeacon, a WebSocket message, a JSON body behind a 400 KB prefix, upper-case \\u escapes, HTML
entities, nested base64 and a cut-short copy. On load it probes other ports of its host (an adb server
on 5037, Appium on 4723), a STUN server, and sends and fetches gzip bombs. The backend writes every
request and WebSocket message it receives to the file named by $FINGERTIP_HOSTILE_LOG, so a test can
show that nothing carrying the complaint arrived.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
import zlib
from typing import Any

from harness.samples.server import Request, Response, SampleHost

HOSTS = {
    "www.hostile.demo.test": SampleHost(static=True),
    "api.hostile.demo.test": SampleHost(),
}
BOMB_BYTES = 1 << 30
"""What the gzip bombs inflate to: 1 GB of zeros, about 1 MB on the wire."""
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_lock = threading.Lock()
_bomb: bytes | None = None


def record(kind: str, method: str, path: str, data: bytes) -> None:
    target = os.environ.get("FINGERTIP_HOSTILE_LOG")
    if not target:
        return
    line = json.dumps({"t": time.time(), "kind": kind, "method": method, "path": path,
                       "data": base64.b64encode(data).decode()})
    with _lock, open(target, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def bomb() -> bytes:
    global _bomb
    with _lock:
        if _bomb is None:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            block = b"\0" * (1 << 20)
            _bomb = b"".join(compressor.compress(block) for _ in range(BOMB_BYTES >> 20)) + compressor.flush()
        return _bomb


def _websocket(request: Request) -> Response:
    accept = base64.b64encode(hashlib.sha1((request.headers["sec-websocket-key"] + WS_GUID).encode()).digest())

    def serve(reader: Any, writer: Any) -> None:
        while True:
            head = reader.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", reader.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", reader.read(8))[0]
            mask = reader.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(reader.read(min(length, 1 << 20))))
            if opcode == 0x8:
                return
            record("websocket", "MESSAGE", request.path, payload)

    return Response(101, b"", {"Upgrade": "websocket", "Connection": "Upgrade",
                               "Sec-WebSocket-Accept": accept.decode()}, upgrade=serve)


def handle(request: Request) -> Response | None:
    if request.host != "api.hostile.demo.test":
        return None
    query = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
    record("http", request.method, f"{request.path}?{query}", request.body)
    if request.path == "/ws" and request.headers.get("upgrade", "").lower() == "websocket":
        return _websocket(request)
    if request.path == "/bomb.bin":  # the bomb as plain bytes: the page sends it back gzip-encoded
        return Response(200, bomb(), {"Content-Type": "application/octet-stream"})
    if request.path == "/bomb.json":  # the bomb as a response that inflates in whoever decodes it
        return Response(200, bomb(), {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    if request.path == "/pixel.gif":
        return Response(200, base64.b64decode("R0lGODlhAQABAAAAACw="), {"Content-Type": "image/gif"})
    return Response.json({"code": 0, "success": True, "number": "HX2026000001"})
