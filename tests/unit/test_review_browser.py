"""`fingertip review` driven in real headless Chromium (Playwright, /usr/bin/chromium, offline): the process is
started as a reviewer would, its URL read from what it prints; the reviewer goes through the queue with the
keyboard, decides a cell with a note, reloads and sees it, and the gate changes. Without the token: refused."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import cli
from tests.unit.test_decisions import FIRST, make_sweep

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


def review_url(process: subprocess.Popen[str], deadline_s: float = 60) -> str:
    """The URL `fingertip review` prints, read as it comes (never a fixed wait)."""
    assert process.stdout is not None
    watch = selectors.DefaultSelector()
    watch.register(process.stdout, selectors.EVENT_READ)
    seen = ""
    ends = time.monotonic() + deadline_s
    while time.monotonic() < ends and process.poll() is None:
        if watch.select(timeout=ends - time.monotonic()):
            seen += process.stdout.readline()
            for word in seen.split():
                if "http://127.0.0.1:" in word:
                    return word[word.index("http://"):]
    raise AssertionError(f"fingertip review printed no URL: {seen!r}")


@pytest.fixture
def sweep(tmp_path: Path, data: Path) -> Path:
    sweep_dir = make_sweep(tmp_path, FIRST, data, apps=("ebantong", "ganbutong"))
    cell = sweep_dir / "runs" / "ganbutong@web-phone"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=390x844:rate=5:d=40",
                    "-pix_fmt", "yuv420p", str(cell / "video.mp4")], check=True, timeout=120)
    return sweep_dir


@pytest.fixture
def served(sweep: Path) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "harness.cli", "review", sweep.name,
                                "--reports", str(sweep.parent)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "400"})
    try:
        yield review_url(process)
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C does: the server closes, exit 0
        assert process.wait(timeout=30) == cli.EXIT_OK


@pytest.fixture
def browser(served: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    server = served.split("/")[2]  # 127.0.0.1:PORT
    with sync_playwright() as playwright:
        # Nothing but the review server is reachable: names resolve nowhere, every other address goes to a
        # closed port, and the page's requests elsewhere are aborted (the route below).
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  "--proxy-server=127.0.0.1:9", f"--proxy-bypass-list={server}"])
        yield chromium
        chromium.close()


def gate(sweep: Path, tmp_path: Path) -> int:
    policy = tmp_path / "policy.yaml"
    policy.write_text('blocking: ["14(4)"]\nreview_blocks: true\n', encoding="utf-8")
    return cli.main(["gate", str(sweep), "--policy", str(policy)])


def test_a_reviewer_decides_with_the_keyboard_in_fingertip_review(sweep: Path, served: str, browser: Any,
                                                                  tmp_path: Path) -> None:
    origin = served.split("/index.html")[0]
    assert gate(sweep, tmp_path) == cli.EXIT_ERRORS  # 14(4) is review and reviews block under this policy

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin + "/")
                  else route.abort())
    page = context.new_page()
    # without the token: nothing, not even the index
    refused = page.goto(f"{origin}/index.html")
    assert refused is not None and refused.status == 403 and "令牌" in page.content()
    page.on("dialog", lambda dialog: dialog.accept("张三"))  # the reviewer's name, asked once
    page.goto(served)
    assert page.locator("#queue").get_attribute("data-count") == "1"

    page.keyboard.press("n")  # the queue's next undecided cell: its finding beside the video
    page.wait_for_url("**/runs/ganbutong@web-phone/index.html#a-14(4)")
    item = page.locator('.reviewable[data-article="14(4)"]')
    assert "selected" in (item.get_attribute("class") or "")
    moment = float(item.locator(".moment").first.get_attribute("data-t") or "nan")
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {moment}) < 0.6")
    assert item.locator("button.ft-pass").is_visible() and item.locator("button.ft-fail").is_visible()

    page.keyboard.press("e")
    page.keyboard.type("定位用于办事网点导航")
    page.keyboard.press("Escape")
    page.keyboard.press("p")  # 通过
    decided = page.locator('.reviewable[data-article="14(4)"] .ft-decided')
    decided.wait_for()
    assert "人工裁定：张三" in decided.inner_text() and "定位用于办事网点导航" in decided.inner_text()

    page.reload()
    assert "审核意见：定位用于办事网点导航" in page.locator('.reviewable[data-article="14(4)"]').inner_text()
    assert "人工裁定：张三" in page.locator("table").first.inner_text()
    record = next(r for r in json.loads((sweep / "results.json").read_text(encoding="utf-8"))
                  if r["app"] == "ganbutong" and r["article"] == "14(4)")
    assert record["verdict"] == "review" and record["final_verdict"] == "pass"
    assert record["decision"]["by"] == "张三" and record["decision"]["note"] == "定位用于办事网点导航"
    assert gate(sweep, tmp_path) == cli.EXIT_OK  # decided: the gate passes

    page.keyboard.press("n")  # nothing is left in the queue
    page.wait_for_url("**/index.html")
    page.locator("#queue", has_text="全部已裁定").wait_for()
    assert page.locator("#queue").get_attribute("data-count") == "0"
    # a page of the report cannot post a decision without the launch's token header
    status = page.evaluate("""async () => (await fetch("/api/decide", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({app: "ganbutong",
        device: "web-phone", article: "14(4)", verdict: "fail", by: "x", note: ""})})).status""")
    assert status == 403
    context.close()
