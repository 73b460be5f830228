"""`fingertip review`: the report served on 127.0.0.1 behind a per-launch token, deciding from a run page.
Driven with a plain HTTP client (http.client) against a sweep judged from recorded observations."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.reports.decisions import DECISIONS, read_decisions
from harness.reports.review_server import COOKIE, ReviewServer
from tests.unit.test_decisions import FIRST, make_sweep, sweep_record

RUN_PAGE = "/runs/ganbutong@web-phone/index.html"


def request(server: ReviewServer, method: str, path: str, body: dict | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    sent = {"Content-Type": "application/json"} if payload else {}
    connection.request(method, path, body=payload, headers={**sent, **(headers or {})})
    answer = connection.getresponse()
    result = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    connection.close()
    return result


@pytest.fixture
def served(tmp_path: Path, data: Path) -> Iterator[ReviewServer]:
    sweep_dir = make_sweep(tmp_path, FIRST, data)
    with ReviewServer(sweep_dir) as server:
        yield server


def decision_for(article: str, verdict: str = "pass") -> dict[str, str]:
    return {"app": "ganbutong", "device": "web-phone", "article": article, "verdict": verdict, "by": "张三",
            "note": "定位用于导航"}


def test_nothing_is_served_without_the_token(served: ReviewServer) -> None:
    assert served.port > 0 and served.url.startswith(f"http://127.0.0.1:{served.port}/")
    for path in ("/", "/index.html", RUN_PAGE, "/results.json", "/index.html?token=wrong"):
        status, _, body = request(served, "GET", path)
        assert status == 403 and "令牌" in body.decode("utf-8")
    status, _, _ = request(served, "GET", "/results.json", headers={"Cookie": f"{COOKIE}=wrong"})
    assert status == 403
    # a page served under another name (DNS rebinding) is refused even with the token
    status, _, _ = request(served, "GET", f"/index.html?token={served.token}", headers={"Host": "evil.test"})
    assert status == 403
    status, _, _ = request(served, "POST", "/api/decide", decision_for("14(4)"))
    assert status == 403
    status, _, _ = request(served, "POST", "/api/decide", decision_for("14(4)"),
                           headers={"Cookie": f"{COOKIE}={served.token}"})  # a cookie alone cannot post
    assert status == 403
    assert not (served.sweep_dir / DECISIONS).exists()


def test_the_token_opens_the_report_and_its_links(served: ReviewServer) -> None:
    status, headers, body = request(served, "GET", f"/index.html?token={served.token}")
    assert status == 200 and "指尖 Fingertip" in body.decode("utf-8")
    assert f"{COOKIE}={served.token}" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    cookie = {"Cookie": f"{COOKIE}={served.token}"}
    status, _, page = request(served, "GET", RUN_PAGE, headers=cookie)
    text = page.decode("utf-8")
    assert status == 200 and 'id="ft-review"' in text and served.token in text
    assert 'data-article="14(4)" data-verdict="review"' in text
    # the static page on disk stays free of the server's controls and token
    on_disk = (served.sweep_dir / RUN_PAGE.lstrip("/")).read_text(encoding="utf-8")
    assert "ft-review" not in on_disk and served.token not in on_disk
    status, _, _ = request(served, "GET", "/../../etc/passwd", headers=cookie)
    assert status == 404
    status, _, _ = request(served, "GET", "/%2e%2e/%2e%2e/etc/passwd", headers=cookie)
    assert status == 404


def test_deciding_from_the_run_page_changes_the_report(served: ReviewServer) -> None:
    token = {"X-Fingertip-Token": served.token}
    status, _, body = request(served, "POST", "/api/decide", decision_for("14(4)"), headers=token)
    answer = json.loads(body)
    assert status == 200 and answer["ok"] and answer["decision"]["by"] == "张三"
    (decision,) = read_decisions(served.sweep_dir / DECISIONS).decisions
    assert (decision.article, decision.verdict, decision.note, decision.override) == ("14(4)", "pass", "定位用于导航",
                                                                                       False)
    record = sweep_record(served.sweep_dir, "14(4)")
    assert record["final_verdict"] == "pass" and record["decision"]["by"] == "张三"
    status, _, page = request(served, "GET", RUN_PAGE, headers={"Cookie": f"{COOKIE}={served.token}"})
    assert status == 200 and "人工裁定：张三" in page.decode("utf-8")


@pytest.mark.parametrize(("asked", "named"), [
    (decision_for("5"), "not 'review'"),  # the browser never overrules a machine verdict
    (decision_for("14(9)"), "unknown article"),
    (decision_for("14(4)", "maybe"), "--verdict"),
    ({**decision_for("14(4)"), "by": " "}, "--by"),
    ({**decision_for("14(4)"), "device": "android-1"}, "unknown device"),
])
def test_bad_decisions_are_refused_naming_why(served: ReviewServer, asked: dict[str, str], named: str) -> None:
    status, _, body = request(served, "POST", "/api/decide", asked, headers={"X-Fingertip-Token": served.token})
    answer = json.loads(body)
    assert status == 400 and not answer["ok"] and named in answer["error"]
    assert not (served.sweep_dir / DECISIONS).exists()


def test_videos_are_served_in_byte_ranges_so_the_page_can_seek(served: ReviewServer) -> None:
    video = served.sweep_dir / "runs" / "ganbutong@web-phone" / "video.mp4"
    video.write_bytes(bytes(range(256)) * 4)
    cookie = {"Cookie": f"{COOKIE}={served.token}"}
    path = "/runs/ganbutong@web-phone/video.mp4"
    status, headers, body = request(served, "GET", path, headers=cookie)
    assert status == 200 and len(body) == 1024 and headers["accept-ranges"] == "bytes"
    status, headers, body = request(served, "GET", path, headers={**cookie, "Range": "bytes=256-259"})
    assert status == 206 and body == bytes([0, 1, 2, 3]) and headers["content-range"] == "bytes 256-259/1024"
    status, _, body = request(served, "GET", path, headers={**cookie, "Range": "bytes=-2"})
    assert status == 206 and body == bytes([254, 255])
    status, headers, _ = request(served, "GET", path, headers={**cookie, "Range": "bytes=5000-"})
    assert status == 416 and headers["content-range"] == "bytes */1024"
    status, _, _ = request(served, "GET", path, headers={"Range": "bytes=0-3"})
    assert status == 403
