"""A small virtual-hosting server for the bundled sample government apps.

A sample is a folder with `app.py` and `static/`. `app.py` declares

    HOSTS: dict[str, SampleHost]     # host name → which families it answers on, static or API
    def handle(request: Request) -> Response | None   # API routes; None falls back to static

The server listens on 127.0.0.1 and ::1 on one ephemeral port each run. A request that arrives
over an IP family its host does not serve gets its connection closed, as an IPv4-only host would.
"""

from __future__ import annotations

import importlib.util
import json
import mimetypes
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness.errors import HostError


@dataclass(frozen=True)
class SampleHost:
    static: bool = False
    families: frozenset[int] = frozenset({4, 6})


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    upgrade: Callable[[Any, Any], None] | None = None
    """For a 101 answer (WebSocket): called with the connection's reader and writer once the headers are out."""

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(), {"Content-Type": "application/json"})


Handler = Callable[[Request], Response | None]


def load_sample(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fingertip_sample_{folder.name}", folder / "app.py")
    if spec is None or spec.loader is None:
        raise HostError(f"{folder}: cannot load app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not isinstance(getattr(module, "HOSTS", None), dict) or not callable(getattr(module, "handle", None)):
        raise HostError(f"{folder}/app.py must define HOSTS and handle(request)")
    return module


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], family: int, sample: SampleServer) -> None:
        self.address_family = family
        self.sample = sample
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        # Not HTTPServer.server_bind: its socket.getfqdn() asks DNS for the PTR of ::1, a lookup
        # that would leave the machine.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Without this, small responses wait ~40 ms for the peer's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the capture keeps the record
        return

    def _serve(self) -> None:
        sample = self.server.sample
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        family = 6 if self.server.address_family == socket.AF_INET6 else 4
        spec = sample.hosts.get(host)
        if spec is None or family not in spec.families:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            host=host,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        if request.method == "OPTIONS":  # CORS preflight: the H5 front end calls API hosts cross-origin
            response: Response | None = Response(204, b"", {"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
                                                          "Access-Control-Allow-Headers": "Content-Type"})
        else:
            response = sample.handle(request)
        if response is None:
            response = sample.static_file(host, parts.path) if spec.static else None
        if response is None:
            response = Response(404, "未找到".encode(), {"Content-Type": "text/plain; charset=utf-8"})
        self.send_response(response.status)
        headers = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*", **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if response.upgrade is not None:
            self.end_headers()
            self.wfile.flush()
            self.close_connection = True
            response.upgrade(self.rfile, self.wfile)
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _serve


class SampleServer:
    """Context manager serving one sample on 127.0.0.1 and ::1 (one port each)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        module = load_sample(folder)
        self.hosts: dict[str, SampleHost] = module.HOSTS
        self._handle: Handler = module.handle
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self.ports: dict[int, int] = {}
        """IP version → listening port."""

    def handle(self, request: Request) -> Response | None:
        with self._lock:  # sample apps keep state in plain dicts
            return self._handle(request)

    def static_file(self, host: str, path: str) -> Response | None:
        root = (self.folder / "static").resolve()
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return None
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript",):
            kind += "; charset=utf-8"
        return Response(200, target.read_bytes(), {"Content-Type": kind})

    def __enter__(self) -> SampleServer:
        for family, address, version in ((socket.AF_INET, "127.0.0.1", 4), (socket.AF_INET6, "::1", 6)):
            server = _Server((address, 0), family, self)
            self.ports[version] = server.server_address[1]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, name=f"sample-{self.folder.name}-v{version}",
                             daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def address_map(self, hosts: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, int | None]]]:
        """The scenario's hosts map with this server's ports: what the proxy's resolver connects to. A host
        the sample does not serve keeps the port the app asks for, as on a real network."""
        mapped: dict[str, list[tuple[str, int | None]]] = {}
        for host, addresses in hosts.items():
            served = host in self.hosts
            mapped[host] = [(a, self.ports[6 if ":" in a else 4] if served else None) for a in addresses]
        return mapped
