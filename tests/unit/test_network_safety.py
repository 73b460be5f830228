"""Network safety against a hostile app: the canary complaint stays local, egress is checked by host and
port, and compressed bodies stay within one budget per flow. Addons through mitmproxy's taddons / tflow,
then the real mitmdump on loopback."""

from __future__ import annotations

import base64
import contextlib
import gzip
import html
import json
import socket
import threading
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mitmproxy import http, websocket
from mitmproxy.test import taddons, tflow, tutils
from wsproto.frame_protocol import Opcode

from harness.capture.addons import BodyGuard, EgressGuard, HostsResolver, SubmissionGuard
from harness.capture.addons.body_guard import OVERSIZE
from harness.capture.addons.submission_guard import PROBE_HOST, SUBMISSION
from harness.capture.canary_match import CanaryMatcher, distinctive_parts
from harness.capture.complaint_gate import ComplaintGate
from harness.capture.proxy import CaptureProxy
from harness.devices.protocol import LaunchInfo
from harness.observe.bounded import FLOW_BUDGET, Budget, BudgetExceeded, Undecodable, decode_body
from harness.observe.flows import read_flows
from harness.observe.ipv6 import repeatable
from harness.observe.model import FlowRecord
from tests.unit.test_addons import connect_data

CANARY = "指尖检测金丝雀0a1b2c"
GBK = CANARY.encode("gbk")


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def upper_escapes(text: str) -> str:
    return "".join(f"\\u{ord(c):04X}" if not c.isascii() else c for c in text)


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """`size` zero bytes gzipped (about size / 1000 on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join(compressor.compress(block) for _ in range(size >> 20)) + compressor.flush()


CARRIERS: dict[str, bytes] = {
    "utf-8 after a 400 KB prefix": json.dumps({"pad": "x" * 400_000, "content": CANARY},
                                              ensure_ascii=False).encode(),
    "gbk": b"content=" + GBK,
    "lower-case \\u escapes": json.dumps({"content": CANARY}).encode(),
    "upper-case \\u escapes": ('{"content": "' + upper_escapes(CANARY) + '"}').encode(),
    "url (utf-8)": b"content=" + urllib.parse.quote(CANARY).encode(),
    "url (gbk)": b"content=" + urllib.parse.quote(GBK).encode(),
    "%u escapes": b"content=" + "".join(f"%u{ord(c):04X}" if not c.isascii() else c
                                                 for c in CANARY).encode(),
    "decimal entities": ("<p>" + "".join(f"&#{ord(c)};" for c in CANARY) + "</p>").encode(),
    "hex entities": ("<p>" + "".join(f"&#X{ord(c):x};" for c in CANARY) + "</p>").encode(),
    "base64": json.dumps({"c": b64(CANARY)}).encode(),
    "nested base64": json.dumps({"c": b64(b64(b64(json.dumps({"content": CANARY}))))}).encode(),
    "url-safe base64 of gbk": b"c=" + base64.urlsafe_b64encode(b"\xff\xfe" + GBK),
    "gzip inside base64": json.dumps({"z": b64(gzip.compress(CANARY.encode()))}).encode(),
    "cut short": json.dumps({"content": CANARY[:5]}, ensure_ascii=False).encode(),
    "cut short, entities": html.escape(CANARY[2:7]).encode("ascii", "xmlcharrefreplace"),
}


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_canary_is_found_however_it_is_wrapped(name: str) -> None:
    assert CanaryMatcher(CANARY).found_in(CARRIERS[name], Budget())


@pytest.mark.parametrize("body", [b'{"name": "\\u6307\\u5c16\\u6d4b\\u8bd5"}', "指尖".encode(), b"A" * 100_000,
                                  json.dumps({"c": b64("金丝")}).encode(), b""])
def test_other_text_is_not_the_canary(body: bytes) -> None:
    assert not CanaryMatcher(CANARY).found_in(body, Budget())  # 指尖测试 is what the name field gets


def test_distinctive_parts_are_short_but_not_ascii_noise() -> None:
    parts = distinctive_parts(CANARY)
    assert "指尖检测" in parts and "金丝雀0" in parts
    assert all(len(p) >= 4 for p in parts) and not any(p.isascii() and len(p) < 8 for p in parts)
    assert distinctive_parts("ab") == ("ab",)


# ── bounded decompression ─────────────────────────────────────────────────────────────────────

def test_a_gzip_bomb_stops_at_the_budget_with_bounded_memory() -> None:
    bomb = gzip_bomb(1 << 30)
    tracemalloc.start()
    try:
        with pytest.raises(BudgetExceeded):
            decode_body(bomb, "gzip", Budget())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * FLOW_BUDGET


def test_one_budget_across_layers_and_members() -> None:
    two_members = gzip.compress(b"a" * 1000) + gzip.compress(b"b" * 1000)
    assert decode_body(two_members, "gzip", Budget()) == b"a" * 1000 + b"b" * 1000
    assert decode_body(zlib.compress(gzip.compress(b"x")), "gzip, deflate", Budget()) == b"x"
    budget = Budget(1500)
    with pytest.raises(BudgetExceeded):
        decode_body(two_members, "gzip", budget)
    with pytest.raises(Undecodable):
        decode_body(b"\x1b\x00", "br", Budget())


def test_a_bomb_in_the_flow_file_is_read_within_the_budget(tmp_path: Path) -> None:
    from mitmproxy import io

    flow = tflow.tflow(req=tutils.treq(host="api.demo.test", port=80, method=b"POST", path=b"/upload"))
    flow.request.headers["content-encoding"] = "gzip"
    flow.request.raw_content = gzip_bomb(1 << 30)
    path = tmp_path / "flows.mitm"
    with open(path, "wb") as f:
        io.FlowWriter(f).add(flow)
    tracemalloc.start()
    try:
        records, problems = read_flows(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(records) == 1 and not problems
    assert peak < 3 * FLOW_BUDGET  # the old reader inflated the whole gigabyte (get_content)


# ── submission guard ──────────────────────────────────────────────────────────────────────────

def request(method: str, path: str, body: bytes = b"", host: str = "gov.demo.test") -> http.HTTPFlow:
    flow = tflow.tflow(req=tutils.treq(host=host, port=80, method=method.encode(), path=path.encode(),
                                       content=body))
    flow.request.headers["host"] = host
    return flow


def guard_context(allow: bool = False) -> tuple[SubmissionGuard, Callable[..., None]]:
    guard = SubmissionGuard()
    return guard, lambda tctx: tctx.configure(guard, fingertip_canary_text=CANARY, fingertip_allow_submission=allow)


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_every_carrier_is_answered_locally(name: str) -> None:
    guard, configure = guard_context()
    with taddons.context(guard) as tctx:
        configure(tctx)
        flow = request("POST", "/api/complaints", CARRIERS[name])
        guard.request(flow)
        assert flow.response is not None and flow.metadata[SUBMISSION] == "guarded"


def test_a_get_or_beacon_with_the_canary_is_answered_locally_too() -> None:
    guard, configure = guard_context()
    with taddons.context(guard) as tctx:
        configure(tctx)
        query = request("GET", "/api/complaints?content=" + urllib.parse.quote(CANARY))
        beacon = request("GET", "/pixel.gif?d=" + b64(json.dumps({"t": CANARY[:6]})))
        plain = request("GET", "/api/news")
        for flow in (query, beacon, plain):
            guard.request(flow)
        assert query.response is not None and beacon.response is not None
        assert plain.response is None and SUBMISSION not in plain.metadata


def test_once_armed_by_a_probe_every_unsafe_request_is_held() -> None:
    guard, configure = guard_context()
    with taddons.context(guard) as tctx:
        configure(tctx)
        before = request("POST", "/api/login", b'{"user": "a"}')
        guard.request(before)
        assert before.response is None  # before the complaint began, the app works as usual
        probe = request("GET", "/probe/abc", host=PROBE_HOST)
        guard.request(probe)
        assert probe.response is not None and probe.response.status_code == 204 and guard.armed
        encrypted = request("POST", "/api/complaints", b"\x8a\x01opaque-ciphertext")
        put = request("PUT", "/api/draft", b"{}")
        get = request("GET", "/api/complaints/mine")
        for flow in (encrypted, put, get):
            guard.request(flow)
        assert encrypted.metadata[SUBMISSION] == put.metadata[SUBMISSION] == "held"
        assert get.response is None
        bomb = request("GET", "/api/x", gzip_bomb(1 << 28))
        bomb.request.headers["content-encoding"] = "gzip"
        guard.request(bomb)
        assert bomb.response is not None  # unreadable once the canary is out: treated as carrying it
        streamed = request("POST", "/upload")
        streamed.request.stream = True
        guard.requestheaders(streamed)
        assert streamed.error is not None and streamed.metadata[SUBMISSION] == "held"  # cut off, never sent unread


def test_real_submission_allowed_forwards_and_marks() -> None:
    guard, configure = guard_context(allow=True)
    with taddons.context(guard) as tctx:
        configure(tctx)
        guard.request(request("GET", "/probe/abc", host=PROBE_HOST))
        flow = request("POST", "/api/complaints", CARRIERS["upper-case \\u escapes"])
        other = request("POST", "/api/rating", b"{}")
        for f in (flow, other):
            guard.request(f)
        assert flow.response is None and flow.metadata[SUBMISSION] == "forwarded"
        assert other.response is None and SUBMISSION not in other.metadata


def ws_flow(*messages: bytes) -> http.HTTPFlow:
    flow = tflow.twebsocketflow()
    assert flow.websocket is not None
    flow.websocket.messages = [websocket.WebSocketMessage(Opcode.TEXT, True, m) for m in messages]
    return flow


def test_websocket_messages_with_the_canary_are_dropped() -> None:
    guard, configure = guard_context()
    with taddons.context(guard) as tctx:
        configure(tctx)
        flow = ws_flow(b'{"type": "hello"}')
        guard.websocket_message(flow)
        assert flow.websocket and not flow.websocket.messages[-1].dropped
        flow = ws_flow(json.dumps({"content": CANARY}).encode())
        guard.websocket_message(flow)
        assert flow.websocket and flow.websocket.messages[-1].dropped
        guard.armed = True
        flow = ws_flow(b"\x00opaque")
        guard.websocket_message(flow)
        assert flow.websocket and flow.websocket.messages[-1].dropped


def test_ipv6_probes_never_repeat_a_canary_request() -> None:
    def record(url: str, method: str = "GET", submission: str | None = None, text: str = "") -> FlowRecord:
        return FlowRecord(id="1", t=0, method=method, url=url, host="h", path="/", submission=submission,
                          request_text=text)
    assert repeatable(record("http://h/api/news"), CANARY)
    assert not repeatable(record("http://h/q?c=" + urllib.parse.quote(CANARY[:5])), CANARY)
    assert not repeatable(record("http://h/q", text=CANARY), CANARY)
    assert not repeatable(record("http://h/q", submission="guarded"), CANARY)
    assert not repeatable(record("http://h/q", method="POST"), CANARY)


# ── egress by port ────────────────────────────────────────────────────────────────────────────

HOSTS = {"app.demo.test": [["127.0.0.1", None]], "pinned.demo.test": [["127.0.0.1", None]],
         "sample.demo.test": [["127.0.0.1", 40001]]}
PORTS = {"app.demo.test": [80, 443], "pinned.demo.test": [8443], "sample.demo.test": [80, 443]}


def test_egress_guard_checks_the_port_as_well_as_the_host(tmp_path: Path) -> None:
    guard = EgressGuard()
    resolver = HostsResolver()
    with taddons.context(guard, resolver) as tctx:
        tctx.configure(resolver, fingertip_hosts=json.dumps(HOSTS), fingertip_ports=json.dumps(PORTS))
        tctx.configure(guard, fingertip_allow=",".join(HOSTS), fingertip_refusals=str(tmp_path / "r.jsonl"))
        adb = request("GET", "/host:version", host="app.demo.test")
        adb.request.port = 5037
        guard.requestheaders(adb)
        assert adb.response is not None and adb.response.status_code == 403
        tunnel = request("CONNECT", "", host="app.demo.test")
        tunnel.request.port = 4723
        guard.http_connect(tunnel)
        assert tunnel.response is not None and tunnel.response.status_code == 403
        pinned = request("GET", "/", host="pinned.demo.test")
        pinned.request.port = 443
        guard.requestheaders(pinned)
        assert pinned.response is not None  # pinned to 8443 only
        for address, port, ok in [("127.0.0.1", 5037, False), ("127.0.0.1", 80, True), ("127.0.0.1", 8443, True),
                                  ("127.0.0.1", 40001, True), ("app.demo.test", 5037, False),
                                  ("app.demo.test", 443, True), (PROBE_HOST, 80, False)]:
            data = connect_data(address, port)
            guard.server_connect(data)
            assert (data.server.error is None) is ok, (address, port)
        data = connect_data("app.demo.test", 5037)
        resolver.server_connect(data)
        assert data.server.error  # the resolver never maps a port the scenario does not allow
        data = connect_data("pinned.demo.test", 8443)
        resolver.server_connect(data)
        assert data.server.address == ("127.0.0.1", 8443)


# ── body guard ────────────────────────────────────────────────────────────────────────────────

def test_body_guard_replaces_bombs_and_unboundable_codings() -> None:
    guard = BodyGuard()
    with taddons.context(guard):
        flow = tflow.tflow()
        flow.request.headers["accept-encoding"] = "gzip, deflate, br, zstd"
        flow.request.headers["sec-websocket-extensions"] = "permessage-deflate"
        guard.requestheaders(flow)
        assert flow.request.headers["accept-encoding"] == "gzip, deflate"
        assert "sec-websocket-extensions" not in flow.request.headers
        for coding, body, replaced in [("gzip", gzip_bomb(1 << 28), True), ("br", b"\x1b\x00", True),
                                       ("gzip", gzip.compress(b"ok"), False)]:
            flow = tflow.tflow(resp=True)
            assert flow.response is not None
            flow.response.headers["content-encoding"] = coding
            flow.response.raw_content = body
            guard.response(flow)
            assert (flow.response.status_code == 502) is replaced and (OVERSIZE in flow.metadata) is replaced


# ── the real mitmdump ─────────────────────────────────────────────────────────────────────────

class _Listener:
    """A TCP listener standing in for an adb server: counts the connections it gets."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.sendall(b"OKAY")
            connection.close()


class _BombServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        body = gzip_bomb(1 << 30)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_real_proxy_refuses_other_ports_answers_probes_and_bounds_bombs(tmp_path: Path) -> None:
    adb = _Listener()
    bomb = _BombServer()
    hosts = {"app.demo.test": [("127.0.0.1", None)], "bomb.demo.test": [("127.0.0.1", bomb.server_address[1])]}
    try:
        with CaptureProxy(tmp_path / "run", tmp_path / "ca", hosts, canary_text=CANARY,
                          ports={"app.demo.test": [80, 443]}) as proxy:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy.url}))
            for url in (f"http://app.demo.test:{adb.port}/host:version", f"http://127.0.0.1:{adb.port}/"):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    opener.open(url, timeout=10)
                assert refused.value.code == 403
            with pytest.raises(urllib.error.HTTPError) as replaced:
                opener.open("http://bomb.demo.test/big.json", timeout=30)
            assert replaced.value.code == 502
            assert not proxy.saw_probe("t0k3n", timeout=0.2)
            with opener.open(proxy.probe_url("t0k3n"), timeout=10) as answer:
                assert answer.status == 204
            assert proxy.saw_probe("t0k3n")
            assert peak_rss_mb(proxy._process.pid) < 400  # type: ignore[union-attr]
    finally:
        bomb.shutdown()
        adb.socket.close()
    assert adb.connections == 0
    flows, _ = read_flows(proxy.files.flows)
    assert {f.refused for f in flows if f.host == "app.demo.test"} == {True}


class _ProbingDevice:
    def __init__(self, proxy: CaptureProxy, through_proxy: bool) -> None:
        self.proxy, self.through_proxy = proxy, through_proxy

    def probe_capture(self, url: str) -> None:
        # A device whose traffic bypasses the proxy: its probe goes to a closed loopback port, never to DNS.
        route = self.proxy.url if self.through_proxy else "http://127.0.0.1:9"
        with contextlib.suppress(OSError):
            urllib.request.build_opener(urllib.request.ProxyHandler({"http": route})).open(url, timeout=2).close()


def test_complaint_gate_needs_the_proxy_to_see_this_runs_probe(tmp_path: Path) -> None:
    with CaptureProxy(tmp_path / "run", tmp_path / "ca", {}, canary_text=CANARY) as proxy:
        assert ComplaintGate(_ProbingDevice(proxy, True), proxy, LaunchInfo(started=0))() == ""
        bypassing = ComplaintGate(_ProbingDevice(proxy, False), proxy, LaunchInfo(started=0))
        proxy_wait = proxy.saw_probe
        proxy.saw_probe = lambda token, timeout=0.5: proxy_wait(token, timeout)  # type: ignore[method-assign]
        assert "未到达采集代理" in bypassing()
        assert "无法发出" in ComplaintGate(object(), proxy, LaunchInfo(started=0))()
        no_route = LaunchInfo(started=0, capture=False, capture_note="proxy: none")
        assert "proxy: none" in ComplaintGate(_ProbingDevice(proxy, True), proxy, no_route)()


def test_a_proxy_started_ahead_is_waited_for_once_and_stopped_whether_or_not_it_was_waited_for(
        tmp_path: Path) -> None:
    """The IPv6-only pass's proxy boots during the dwell: start() returns at once, wait_ready() finds it
    listening (the same process, however often asked), stop() ends it even if nobody waited."""
    proxy = CaptureProxy(tmp_path / "run", tmp_path / "ca", {})
    proxy.start()
    try:
        process = proxy._process
        assert process is not None and proxy.port is None
        proxy.start()
        assert proxy._process is process  # started once
        assert proxy.wait_ready() is proxy and proxy.port and proxy.wait_ready().port == proxy.port
        assert proxy._process is process and proxy.alive()
    finally:
        proxy.stop()
    assert process.poll() is not None
    unwaited = CaptureProxy(tmp_path / "other", tmp_path / "ca", {})
    unwaited.start()
    spawned = unwaited._process
    assert unwaited.stop() is not None and spawned is not None and spawned.poll() is not None


def test_ipv6_probes_repeat_the_request_the_app_sent_and_keep_it_masked(tmp_path: Path) -> None:
    """Paths carry phone and order numbers: the flows kept are masked (no longer a request anyone could send),
    the probe repeats what the app sent, over IPv4 and IPv6, and keeps the path masked."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from mitmproxy import io

    from harness.config.scenario import Scenario
    from harness.run import ipv6_probes

    asked: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200 if self.path.startswith("/orders/query?no=13800138000") else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    class V6(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Answer)]
    servers.append(V6(("::1", servers[0].server_address[1]), Answer))
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    port = servers[0].server_address[1]
    try:
        flow = tflow.tflow(req=tutils.treq(host="api.demo.test", port=port, method=b"GET",
                                           path=b"/orders/query?no=13800138000&code=6825"))
        path = tmp_path / "flows.mitm"
        with open(path, "wb") as f:
            io.FlowWriter(f).add(flow)
        scenario = Scenario.model_validate({
            "path": tmp_path / "s.yaml", "id": "probe", "name": "探测", "platform": "web",
            "entry": f"http://api.demo.test:{port}/", "hosts": {"api.demo.test": ["127.0.0.1", "::1"]},
        }, context={"path": tmp_path / "s.yaml"})
        addresses = {"api.demo.test": [("127.0.0.1", port), ("::1", port)]}
        [host] = ipv6_probes(path, scenario, addresses, "", masked=True)
    finally:
        for server in servers:
            server.shutdown()
    assert asked == ["/orders/query?no=13800138000&code=6825"] * 2  # over IPv4, then IPv6
    assert host.v6_same and host.paths[0].v4 == host.paths[0].v6 == 200
    assert "13800138000" not in host.paths[0].path
