"""The bundled sample backends: virtual hosts, dual-stack and IPv4-only, API behaviour."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from harness.samples.server import SampleServer


def get(port: int, address: str, host: str, path: str, method: str = "GET", body: dict | None = None
        ) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(address, port, timeout=5)
    payload = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=payload, headers={"Host": host, "Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def test_compliant_sample_accepts_tracks_and_rates(root: Path) -> None:
    with SampleServer(root / "samples" / "ebantong") as sample:
        status, body = get(sample.ports[6], "::1", "api.ebantong.demo.test", "/api/complaints", "POST",
                           {"content": "路灯不亮", "title": "报修"})
        assert status == 201
        number = json.loads(body)["number"]
        status, body = get(sample.ports[4], "127.0.0.1", "api.ebantong.demo.test", f"/api/complaints?number={number}")
        assert json.loads(body)[0]["status"] == "已受理"
        status, _ = get(sample.ports[4], "127.0.0.1", "api.ebantong.demo.test", f"/api/complaints/{number}/rating",
                        "POST", {"level": "满意"})
        assert status == 200
        status, page = get(sample.ports[6], "::1", "www.ebantong.demo.test", "/")
        assert status == 200 and "e办通".encode() in page


def test_ipv4_only_host_closes_ipv6_connections(root: Path) -> None:
    with SampleServer(root / "samples" / "ganbutong") as sample:
        status, _ = get(sample.ports[4], "127.0.0.1", "img.ganbutong.demo.test", "/upload/work-photo", "POST", {})
        assert status == 200
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            get(sample.ports[6], "::1", "img.ganbutong.demo.test", "/upload/work-photo", "POST", {})


def test_unknown_host_and_path_traversal(root: Path) -> None:
    with SampleServer(root / "samples" / "ebantong") as sample:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            get(sample.ports[4], "127.0.0.1", "elsewhere.test", "/")
        status, _ = get(sample.ports[4], "127.0.0.1", "www.ebantong.demo.test", "/../app.py")
        assert status == 404
