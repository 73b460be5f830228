"""The reviewer report in real headless Chromium (Playwright driving /usr/bin/chromium): the index's
filters, a run page's timeline seeking the video and opening flows, and a screenshot of each page type."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from harness.cli import main

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = Path(__file__).resolve().parents[1] / "data" / "observations"
    folder = tmp_path_factory.mktemp("report") / "sweep"
    for name in ("ebantong", "ganbutong"):
        cell = folder / "runs" / f"{name}@web-phone"
        cell.mkdir(parents=True)
        shutil.copy(data / f"{name}.json", cell / "observations.json")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc=size=390x844:rate=10:d=60", "-pix_fmt", "yuv420p", str(cell / "video.mp4")],
                       check=True, timeout=120)
    assert main(["recheck", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Nothing may leave the machine: every name resolves to nowhere, every request goes to a closed
        # port on loopback, and the pages' own non-file requests are aborted (routes below).
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
                  "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"])
        yield chromium
        chromium.close()


def not_blank(path: Path) -> bool:
    with Image.open(path) as image:
        return max(ImageStat.Stat(image.convert("L")).stddev) > 5


def test_the_sweep_index_filters_and_links_to_run_pages(sweep: Path, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto((sweep / "index.html").as_uri())
    rows = page.locator("#matrix .cell-row")
    assert rows.count() == 2
    page.select_option("#filter-verdict", "fail")
    page.select_option("#filter-article", "14(2)")
    visible = [r for r in rows.all() if r.is_visible()]
    assert [(r.get_attribute("data-name") or "").split()[0] for r in visible] == ["ganbutong"]
    assert page.locator("#filter-count").inner_text() == "显示 1 行"
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    assert not_blank(shot)
    page.locator('a[href="runs/ganbutong@web-phone/index.html"]').click()
    page.wait_for_load_state()
    assert page.url.endswith("runs/ganbutong@web-phone/index.html")


def test_the_index_queue_filters_and_n_opens_the_next_undecided_finding(sweep: Path, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto((sweep / "index.html").as_uri())
    assert page.locator("#queue").get_attribute("data-count") == "1" and page.locator("video").count() == 0
    page.select_option("#filter-verdict", "queue")
    visible = [r for r in page.locator("#matrix .cell-row").all() if r.is_visible()]
    assert [r.get_attribute("data-cell") for r in visible] == ["ganbutong@web-phone"]
    page.keyboard.press("n")
    page.wait_for_url("**/runs/ganbutong@web-phone/index.html#a-14(4)")
    # a run page's `n` asks the index for the next undecided cell after it: the only one is this one again
    page.goto((sweep / "index.html").as_uri() + "#next=ebantong@web-phone")
    page.wait_for_url("**/runs/ganbutong@web-phone/index.html#a-14(4)")


def test_a_run_page_seeks_the_video_from_the_timeline_and_opens_flows(sweep: Path, browser: Any,
                                                                       tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto((sweep / "runs" / "ganbutong@web-phone" / "index.html").as_uri())
    page.wait_for_function("document.getElementById('video').readyState >= 1")
    finding = page.locator("#timeline li.k-finding").first
    wanted = float(finding.get_attribute("data-t") or 0)
    finding.click()
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {wanted}) < 0.6")
    flow = page.locator("#timeline li.k-flow").first
    flow.click()
    row = page.locator(f"#flow-{flow.get_attribute('data-flow')}")
    assert row.locator("details").get_attribute("open") is not None
    page.locator('.kind[value="hook"]').uncheck()
    assert page.locator("#timeline li.k-hook").first.is_hidden()
    assert page.locator("#graph rect").count() >= 2
    shot = tmp_path / "run.png"
    page.screenshot(path=str(shot), full_page=True)
    assert not_blank(shot)
