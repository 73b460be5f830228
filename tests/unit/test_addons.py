"""Capture addons in isolation (mitmproxy's taddons / tflow), then the real mitmdump process."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from mitmproxy import connection, exceptions, http
from mitmproxy.proxy import server_hooks
from mitmproxy.test import taddons, tflow, tutils

from harness.capture.addons import EgressGuard, HookSink, HostsResolver, SubmissionGuard
from harness.capture.addons.common import INTERNAL, REFUSED
from harness.capture.addons.egress_guard import parse_allow
from harness.capture.addons.resolver import parse_hosts
from harness.capture.addons.submission_guard import SUBMISSION
from harness.capture.proxy import CaptureProxy, ca_spki_hash
from harness.instrumentation.web_hooks import hook_script
from harness.observe.flows import read_flows, read_jsonl
from harness.observe.hooks import MAX_EVENTS, SECRET_PLACEHOLDER, read_stats
from harness.samples.server import SampleServer


def request_to(host: str, path: str = "/", method: str = "GET") -> http.HTTPFlow:
    flow = tflow.tflow(req=tutils.treq(host=host, port=80, path=path.encode(), method=method.encode()))
    flow.request.headers["host"] = host
    return flow


def connect_data(host: str, port: int = 80) -> server_hooks.ServerConnectionHookData:
    server = connection.Server(address=(host, port))
    client = connection.Client(peername=("127.0.0.1", 5555), sockname=("127.0.0.1", 8080), timestamp_start=0)
    return server_hooks.ServerConnectionHookData(server=server, client=client)


@pytest.mark.parametrize(("spec", "expected"), [
    ("", frozenset()),
    ("a.test, B.test.", frozenset({"a.test", "b.test"})),
])
def test_parse_allow(spec: str, expected: frozenset[str]) -> None:
    assert parse_allow(spec) == expected


def test_parse_hosts() -> None:
    assert parse_hosts('{"A.test": [["127.0.0.1", 8080], ["::1", null]]}') == {
        "a.test": [("127.0.0.1", 8080), ("::1", None)]}
    with pytest.raises(exceptions.OptionsError):
        parse_hosts("{not json")


def test_egress_guard_refuses_and_logs_unknown_hosts(tmp_path: Path) -> None:
    guard = EgressGuard()
    log = tmp_path / "refusals.jsonl"
    with taddons.context(guard) as tctx:
        tctx.configure(guard, fingertip_allow="app.demo.test", fingertip_refusals=str(log))
        allowed = request_to("app.demo.test")
        guard.requestheaders(allowed)
        assert allowed.response is None
        phoning_home = request_to("update.googleapis.com", "/service/update2")
        guard.requestheaders(phoning_home)
        assert phoning_home.response is not None and phoning_home.response.status_code == 403
        assert phoning_home.metadata[REFUSED]
        tunnel = request_to("clients2.google.com", method="CONNECT")
        guard.http_connect(tunnel)
        assert tunnel.response is not None and tunnel.response.status_code == 403
        data = connect_data("accounts.google.com", 443)
        guard.server_connect(data)
        assert data.server.error and "refused" in data.server.error
    refusals, problems = read_jsonl(log)
    assert [r["host"] for r in refusals] == ["update.googleapis.com", "clients2.google.com"]
    assert [r["stage"] for r in refusals] == ["request", "connect"]
    assert not problems and guard.refused == 2


def test_resolver_maps_names_without_dns() -> None:
    resolver = HostsResolver()
    with taddons.context(resolver) as tctx:
        tctx.configure(resolver, fingertip_hosts=json.dumps({"app.demo.test": [["::1", 4431], ["127.0.0.1", None]]}))
        data = connect_data("app.demo.test", 80)
        resolver.server_connect(data)
        assert data.server.address == ("::1", 4431)
        tctx.configure(resolver, fingertip_only_family=4)
        data = connect_data("app.demo.test", 80)
        resolver.server_connect(data)
        assert data.server.address == ("127.0.0.1", 80)  # a null port keeps the app's port
        unknown = connect_data("elsewhere.test")
        resolver.server_connect(unknown)
        assert unknown.server.error and "no address" in unknown.server.error
        with pytest.raises(exceptions.OptionsError):
            tctx.configure(resolver, fingertip_only_family=5)


SECRET = "ab" * 16


def hook_report(body: object) -> http.HTTPFlow:
    flow = request_to("fingertip-hooks.invalid", "/events", "POST")
    flow.request.content = json.dumps(body).encode()
    return flow


def test_hook_sink_answers_locally_and_logs(tmp_path: Path) -> None:
    sink = HookSink()
    log = tmp_path / "hooks.jsonl"
    with taddons.context(sink) as tctx:
        tctx.configure(sink, fingertip_hook_events=str(log), fingertip_hook_secret=SECRET)
        flow = hook_report({"k": SECRET, "events": [{"kind": "geolocation", "t": 1.5}, {"kind": "fetch", "t": 2}]})
        sink.request(flow)
        assert flow.response is not None and flow.response.status_code == 204
        assert flow.metadata[INTERNAL]
        other = request_to("app.demo.test")
        sink.request(other)
        assert other.response is None
        sink.done()
    events, _ = read_jsonl(log)
    assert [e["kind"] for e in events] == ["geolocation", "fetch"]
    assert all("received" in e for e in events)
    stats = read_stats(log)
    assert stats is not None and stats.accepted == 2 and not stats.dropped()


def test_hook_sink_keeps_nothing_the_page_forged(tmp_path: Path) -> None:
    """The page can post to the sink's URL too: without the run's secret, malformed, or past the cap, a report
    is dropped and counted — never an event the checks would believe, never an error."""
    sink = HookSink()
    log = tmp_path / "hooks.jsonl"
    forged = [
        [{"kind": "js-error", "t": 1}],                                    # the old unsigned format
        {"k": "cd" * 16, "events": [{"kind": "js-error", "t": 1}]},       # another secret
        {"events": [{"kind": "js-error", "t": 1}]},
        {"k": SECRET, "events": "not a list"},
    ]
    with taddons.context(sink) as tctx:
        tctx.configure(sink, fingertip_hook_events=str(log), fingertip_hook_secret=SECRET)
        for body in forged:
            sink.request(hook_report(body))
        sink.request(hook_report({"k": SECRET, "events": [
            {"kind": "long-task", "t": 2, "detail": {"duration_ms": True}},  # a bool is not a duration
            {"kind": "Not A Kind", "t": 2},
            {"kind": "js-error", "t": float("inf")},
            {"kind": "long-task", "t": 3, "detail": {"duration_ms": 80}},
        ]}))
        bomb = hook_report({"k": SECRET, "events": []})
        bomb.request.headers["content-encoding"] = "gzip"
        sink.request(bomb)
        sink.request(hook_report({"k": SECRET, "events": [{"kind": "fetch", "t": 4}] * (MAX_EVENTS + 5)}))
        sink.done()
    events, problems = read_jsonl(log)
    assert not problems
    assert [e["kind"] for e in events][:1] == ["long-task"] and len(events) == 1  # the over-long batch is refused
    stats = read_stats(log)
    assert stats is not None
    assert (stats.unsigned, stats.malformed_events, stats.malformed_reports) == (3, 3, 3)
    assert "无本次运行密钥" in stats.problem()


def test_hook_sink_counts_events_past_the_cap(tmp_path: Path) -> None:
    sink = HookSink()
    log = tmp_path / "hooks.jsonl"
    with taddons.context(sink) as tctx:
        tctx.configure(sink, fingertip_hook_events=str(log), fingertip_hook_secret=SECRET)
        for start in range(0, MAX_EVENTS + 10, 1000):
            sink.request(hook_report({"k": SECRET, "events": [{"kind": "fetch", "t": start + i} for i in range(1000)]}))
        sink.done()
    stats = read_stats(log)
    assert stats is not None and stats.accepted == MAX_EVENTS and stats.over_cap == 1000
    assert len(read_jsonl(log)[0]) == MAX_EVENTS


def test_hook_sink_without_a_secret_keeps_nothing(tmp_path: Path) -> None:
    sink = HookSink()
    log = tmp_path / "hooks.jsonl"
    with taddons.context(sink) as tctx:
        tctx.configure(sink, fingertip_hook_events=str(log))
        sink.request(hook_report({"k": "", "events": [{"kind": "fetch", "t": 1}]}))
        sink.done()
    assert read_jsonl(log)[0] == []


def test_hook_script_carries_only_a_hex_secret() -> None:
    assert SECRET in hook_script(SECRET) and SECRET_PLACEHOLDER not in hook_script(SECRET)
    for bad in ("", "ab", '"; fetch("//evil")//' + "a" * 32, "AB" * 16):
        with pytest.raises(ValueError):
            hook_script(bad)


def test_capture_proxy_end_to_end_on_loopback(tmp_path: Path, root: Path) -> None:
    """The real mitmdump with the addons, in front of a bundled sample on 127.0.0.1 and ::1."""
    with SampleServer(root / "samples" / "ganbutong") as sample:
        hosts = sample.address_map({"app.ganbutong.demo.test": ("127.0.0.1", "::1"),
                                    "img.ganbutong.demo.test": ("127.0.0.1",)})
        hosts_map = {h: [(a, p) for a, p in v] for h, v in hosts.items()}
        with CaptureProxy(tmp_path / "run", tmp_path / "ca", hosts_map, only_family=6) as proxy:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy.url}))
            with opener.open("http://app.ganbutong.demo.test/api/points/rank", timeout=10) as response:
                assert response.status == 200
            with pytest.raises(urllib.error.HTTPError) as refused:
                opener.open("http://update.googleapis.com/service/update2", timeout=10)
            assert refused.value.code == 403
            with pytest.raises(urllib.error.HTTPError) as v4_only:
                opener.open("http://img.ganbutong.demo.test/upload/work-photo", timeout=10)
            assert v4_only.value.code == 502  # IPv6-only upstream: an IPv4-only host cannot be reached
            beacon = urllib.request.Request("http://fingertip-hooks.invalid/events", data=json.dumps(
                {"k": proxy.hook_secret, "events": [{"kind": "camera", "t": 3}]}).encode())
            with opener.open(beacon, timeout=10) as response:
                assert response.status == 204
        assert len(ca_spki_hash(tmp_path / "ca")) == 44
    flows, problems = read_flows(proxy.files.flows)
    assert not problems
    by_host = {f.host: f for f in flows}
    assert by_host["app.ganbutong.demo.test"].server_ip == "::1"
    assert by_host["update.googleapis.com"].refused
    assert "IPv6" in (by_host["img.ganbutong.demo.test"].error or "")
    assert "fingertip-hooks.invalid" not in by_host
    assert [e["kind"] for e in read_jsonl(proxy.files.hook_events)[0]] == ["camera"]
    assert [r["host"] for r in read_jsonl(proxy.files.refusals)[0]] == ["update.googleapis.com"]


@pytest.mark.parametrize(("allow", "expected"), [(False, "guarded"), (True, "forwarded")])
def test_submission_guard_keeps_test_complaints_local(allow: bool, expected: str) -> None:
    guard = SubmissionGuard()
    canary = "指尖检测金丝雀0a1b2c"
    with taddons.context(guard) as tctx:
        tctx.configure(guard, fingertip_canary_text=canary, fingertip_allow_submission=allow)
        escaped = request_to("gov.demo.test", "/api/complaints", "POST")
        escaped.request.content = json.dumps({"content": canary}).encode()  # \\u-escaped, as many apps send
        form = request_to("gov.demo.test", "/liuyan", "POST")
        form.request.headers["content-type"] = "application/x-www-form-urlencoded"
        form.request.content = b"title=a&content=" + urllib.parse.quote(canary).encode()
        other = request_to("gov.demo.test", "/api/login", "POST")
        other.request.content = b'{"user": "a"}'
        for flow in (escaped, form, other):
            guard.request(flow)
        for flow in (escaped, form):
            assert flow.metadata[SUBMISSION] == expected
            assert (flow.response is not None) is (not allow)  # answered here unless real submission is allowed
        assert SUBMISSION not in other.metadata and other.response is None
