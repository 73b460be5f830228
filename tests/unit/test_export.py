"""`fingertip export`: an app's formal 技术检测报告 (HTML with everything embedded, and a PDF printed by the
installed Chromium) from a sweep judged from recorded observations, with a reviewer's decision in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat

from harness import cli
from harness.checks.base import ARTICLE_LABEL
from harness.reports.export import harness_version, timestamp
from tests.unit.test_decisions import FIRST, make_sweep


@pytest.fixture
def sweep(tmp_path: Path, data: Path) -> Path:
    sweep_dir = make_sweep(tmp_path, FIRST, data, apps=("ebantong", "ganbutong"))
    cell = sweep_dir / "runs" / "ganbutong@web-phone"
    observations = json.loads((cell / "observations.json").read_text(encoding="utf-8"))
    for n, visit in enumerate(observations["screens"]):  # the run's screenshots, as a device would leave them
        shot = cell / visit["screenshot"]
        shot.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (390, 844), (40 + 20 * n, 120, 200))
        ImageDraw.Draw(image).rectangle((20, 100 + 40 * n, 370, 180 + 40 * n), fill=(250, 250, 250))
        image.save(shot)
    assert cli.main(["decide", "--reports", str(tmp_path), FIRST, "ganbutong", "web-phone", "14(4)", "--verdict",
                     "pass", "--by", "张三", "--note", "定位用于办事网点导航"]) == cli.EXIT_OK
    return sweep_dir


def test_export_pdf_has_every_article_of_the_app_on_pages_that_render(sweep: Path) -> None:
    import pypdfium2

    assert cli.main(["export", str(sweep), "--app", "ganbutong", "--pdf"]) == cli.EXIT_OK
    page_file, pdf_file = sweep / "export" / "ganbutong.html", sweep / "export" / "ganbutong.pdf"
    html = page_file.read_text(encoding="utf-8")
    # no external assets: every image is embedded, nothing is linked or fetched
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "url(" not in html and "<script" not in html

    records = [r for r in json.loads((sweep / "results.json").read_text(encoding="utf-8")) if r["app"] == "ganbutong"]
    document = pypdfium2.PdfDocument(str(pdf_file))
    assert len(document) >= 2
    text = ""
    for index in range(len(document)):
        page = document[index]
        image = page.render(scale=0.5).to_pil()
        assert image.size[0] > 200 and max(ImageStat.Stat(image.convert("L")).stddev) > 5  # drawn, not blank
        text += page.get_textpage().get_text_range()
    text = re.sub(r"\s+", "", text)
    assert "技术检测报告" in text and "干部通" in text
    for record in records:
        assert ARTICLE_LABEL[record["article"]] in text and record["title"].replace(" ", "") in text
    assert FIRST in text and harness_version() in text and "web-phone" in text and "DebianChromium" in text
    assert "张三" in text and "定位用于办事网点导航" in text and "人工裁定" in text
    # the evidence: video timestamps and the screen on show at those moments
    moment = next(e["t"] for r in records if r["article"] == "14(4)" for e in r["evidence"] if "t" in e)
    assert timestamp(moment) in text and "该时刻所在界面" in text
    assert html.count("data:image/png;base64,") >= 3


def test_the_html_report_alone_and_its_default_place(sweep: Path) -> None:
    out = sweep.parent / "elsewhere" / "报告.html"
    assert cli.main(["export", FIRST, "--reports", str(sweep.parent), "--app", "ebantong", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="overall">通过' in html and "本次检测无人工裁定" in html and not out.with_suffix(".pdf").exists()
    assert cli.main(["export", "--reports", str(sweep.parent), "--app", "ebantong"]) == 0  # latest
    assert (sweep / "export" / "ebantong.html").is_file()


@pytest.mark.parametrize(("args", "named"), [
    (["--app", "nope"], "unknown app 'nope' in this sweep (apps: ebantong, ganbutong)"),
    (["no-such-sweep", "--app", "ganbutong"], "no-such-sweep: no sweep folder with runs/ there"),
])
def test_bad_input_exits_2_naming_what_and_where(sweep: Path, capsys: pytest.CaptureFixture[str],
                                                 args: list[str], named: str) -> None:
    capsys.readouterr()
    assert cli.main(["export", *args, "--reports", str(sweep.parent), "--pdf"]) == cli.EXIT_USAGE
    assert named in " ".join(capsys.readouterr().out.split())
    assert not (sweep / "export").exists()
