"""A run folder as reviewers receive it: the raw capture and the logs masked like the observations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from mitmproxy import http, io
from mitmproxy.test import tflow, tutils

from harness.evidence.mask_files import WITHHELD_HEADER, mask_run_folder


def flow(url: str, body: bytes, headers: dict[str, str], response: bytes = b"",
         response_headers: dict[str, str] | None = None) -> http.HTTPFlow:
    f = tflow.tflow(req=tutils.treq(method=b"POST"), resp=tutils.tresp())
    f.request.url = url
    f.request.headers.clear()
    for k, v in headers.items():
        f.request.headers[k] = v
    f.request.raw_content = body
    assert f.response is not None
    f.response.headers.clear()
    for k, v in (response_headers or {}).items():
        f.response.headers[k] = v
    f.response.raw_content = response
    return f


def test_the_raw_capture_jsonl_and_logs_are_masked(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "app@phone"
    run.mkdir(parents=True)
    flows = [
        flow("http://api.gov.test/u?access_token=abcdef123&phone=13800138000",
             gzip.compress(json.dumps({"mobile": "13800138000", "password": "correct horse"}).encode()),
             {"content-type": "application/json", "content-encoding": "gzip", "authorization": "Bearer abc.def"},
             b'{"idcard": "110105199001011234"}', {"content-type": "application/json"}),
        flow("http://img.gov.test/up", b"\xff\xd8\xff\xe0 a photo", {"content-type": "image/jpeg"}),
        flow("http://[::1]:8080/v6?token=abcdef123", b"", {}),  # an IPv6-only pass's flow: an IPv6 literal host
        flow("http://api.gov.test/bin", b"\x08\x96\x01 13800138000 protobuf",
             {"content-type": "application/x-protobuf"}),
    ]
    with open(run / "flows.mitm", "wb") as f:
        writer = io.FlowWriter(f)
        for each in flows:
            writer.add(each)
    (run / "refusals.jsonl").write_text(json.dumps({"url": "http://x.test/?token=abcdef123&m=13800138000"}) + "\n")
    (run / "logcat.txt").write_text("I/App: login 13800138000 token=abcdef123\n")
    assert mask_run_folder(run) == []
    with open(run / "flows.mitm", "rb") as f:
        masked = [x for x in io.FlowReader(f).stream() if isinstance(x, http.HTTPFlow)]
    raw = (run / "flows.mitm").read_bytes()
    for secret in (b"13800138000", b"abcdef123", b"correct horse", b"Bearer abc.def", b"110105199001011234"):
        assert secret not in raw
    first, photo, v6, binary = masked
    assert v6.request.host == "::1" and "abcdef123" not in v6.request.path
    assert "138****8000" in first.request.url
    assert json.loads(first.request.raw_content or b"")["mobile"] == "138****8000"
    assert "content-encoding" not in first.request.headers
    assert photo.request.raw_content == b"\xff\xd8\xff\xe0 a photo"  # evidence kept
    assert binary.request.raw_content == b"" and WITHHELD_HEADER in binary.request.headers
    assert "13800138000" not in (run / "refusals.jsonl").read_text()
    assert "abcdef123" not in (run / "logcat.txt").read_text()


def test_a_screen_is_kept_with_its_key_and_title_masked() -> None:
    from harness.run import mask_screen

    screen = {"key": "www.gov.test/#/profile?token=abcdef123", "title": "用户 13800138000", "texts": ["13800138000"],
              "nodes": [{"text": "13800138000", "hint": "手机号"}]}
    kept = mask_screen(screen)
    assert "abcdef123" not in kept["key"] and kept["key"].startswith("www.gov.test/#/profile?token=")
    assert "13800138000" not in json.dumps(kept, ensure_ascii=False)
