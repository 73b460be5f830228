"""`fingertip export`: one app's formal 技术检测报告 from a sweep, as a print-ready HTML file with everything
embedded (no external assets), and as a PDF printed by the Chromium already installed.

What it says: the app and its package, the devices and OS versions it was tested on, each article's final
verdict per device with the evidence (its screenshots embedded, its video timestamps), who decided the judgement
calls, the sweep id and the harness version. Every string from the app is escaped (the report's environment).
"""

from __future__ import annotations

import base64
import html
import io
import json
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from PIL import Image

from harness.checks.base import ARTICLE_LABEL, ARTICLES
from harness.errors import ConfigError, FingertipError
from harness.observe.model import Observations
from harness.reports.decisions import decided_by, final_verdict
from harness.reports.html import VERDICT_ZH, environment
from harness.reports.results import write_atomic
from harness.reports.run_page import shown

CHROMIUM = Path("/usr/bin/chromium")
OFFLINE_CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
                         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
"""Chromium for reading our own report files: no name resolves and anything sent goes to a closed loopback port."""
SHOTS_PER_FINDING = 3
SHOT_BOX = (300, 600)
"""Screenshots are embedded scaled into this box (pixels): the report stays a few MB at most."""
WORST = ("fail", "error", "review", "pass", "skip")
"""An article's conclusion over its devices: the first of these any device has."""


class PdfError(FingertipError):
    """The PDF could not be printed (Chromium missing or failing): a host problem, not the sweep's."""


def harness_version() -> str:
    try:
        return version("fingertip")
    except PackageNotFoundError:
        return "unknown"


def timestamp(seconds: float) -> str:
    """Video time as a reviewer reads it: 01:23.4."""
    minutes, rest = divmod(max(0.0, float(seconds)), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def embedded(sweep_dir: Path, relative: str | None) -> str | None:
    """A screenshot inside the sweep folder as a data: URI (scaled down), or None when it is not there."""
    if not relative:
        return None
    path = (sweep_dir / relative).resolve()
    if not path.is_relative_to(sweep_dir.resolve()) or not path.is_file():
        return None
    try:
        with Image.open(path) as image:
            image.thumbnail(SHOT_BOX)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG", optimize=True)
    except OSError:
        return None
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def screens_of(sweep_dir: Path, run_dir: str) -> list[tuple[float, str]]:
    """The run's screenshots as (seconds into its video, path relative to the sweep folder), in time order."""
    folder = sweep_dir / run_dir
    if not (folder / "observations.json").is_file():
        return []
    obs = Observations.load(folder)
    return sorted((obs.video_t(v.t), f"{run_dir}/{v.screenshot}") for v in obs.screens if v.screenshot)


def evidence_shots(sweep_dir: Path, record: dict[str, Any], screens: list[tuple[float, str]]) -> list[dict[str, Any]]:
    """The finding's screenshots: those its evidence names, else the screen on show at each evidence moment
    (the last screenshot taken at or before it)."""
    wanted: list[tuple[str, float | None, str]] = []
    for item in record.get("evidence", []):
        if item.get("path"):
            wanted.append((item["path"], item.get("t"), "证据截图"))
        elif item.get("t") is not None and screens:
            before = [s for s in screens if s[0] <= float(item["t"]) + 0.5]
            shown_at, shown_path = before[-1] if before else screens[0]
            wanted.append((shown_path, shown_at, "该时刻所在界面"))
    shots: list[dict[str, Any]] = []
    for path, at, how in wanted:
        if len(shots) >= SHOTS_PER_FINDING or any(s["path"] == path for s in shots):
            continue
        uri = embedded(sweep_dir, path)
        if uri:
            shots.append({"path": path, "uri": uri, "at": at, "t": timestamp(at) if at is not None else None,
                          "how": how})
    return sorted(shots, key=lambda s: s["at"] if s["at"] is not None else -1.0)


def conclusion(verdicts: list[str]) -> str:
    return next((v for v in WORST if v in verdicts), "skip")


def report_facts(sweep_dir: Path, app: str) -> dict[str, Any]:
    """What the report shows, from the sweep's results.json (with the reviewers' decisions applied); a
    ConfigError naming the sweep and what is missing otherwise."""
    results = sweep_dir / "results.json"
    if not results.is_file():
        raise ConfigError(results, None, "no results.json in this sweep folder (fingertip report writes it)")
    every: list[dict[str, Any]] = json.loads(results.read_text(encoding="utf-8"))
    records = [r for r in every if r["app"] == app]
    if not records:
        apps = sorted({r["app"] for r in every})
        raise ConfigError(results, None, f"unknown app {app!r} in this sweep (apps: {', '.join(apps) or 'none'})")
    devices: dict[str, dict[str, Any]] = {}
    for record in records:
        run = record.get("run") or {}
        info = run.get("device_info") or {}
        devices.setdefault(record["device"], {
            "id": record["device"], "platform": record["platform"], "os": shown(info.get("os") or "—", 120),
            "model": shown(info.get("model") or info.get("browser") or "", 120),
            "labels": [shown(label, 60) for label in info.get("labels", [])], "ran_on": run.get("ran_on"),
            "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(run["started"])) if run.get("started") else "—",
            "package": run.get("package"), "run_dir": run.get("dir"), "video": run.get("video")})
    screens = {d: screens_of(sweep_dir, f["run_dir"]) if f["run_dir"] else [] for d, f in devices.items()}
    articles = []
    for article in ARTICLES:
        rows = [r for r in records if r["article"] == article]
        if not rows:
            continue
        findings: list[dict[str, Any]] = []
        for r in rows:
            moments = [{"t": timestamp(e["t"]), "note": shown(e.get("note") or e.get("ref") or e.get("kind"), 160)}
                       for e in r.get("evidence", []) if e.get("t") is not None]
            findings.append({"record": r, "final": final_verdict(r), "decided_by": decided_by(r),
                             "moments": moments[:12], "shots": evidence_shots(sweep_dir, r, screens[r["device"]])})
        articles.append({"code": article, "label": ARTICLE_LABEL[article], "title": rows[0]["title"],
                         "conclusion": conclusion([f["final"] for f in findings]), "findings": findings})
    packages = {json.dumps(f["package"], sort_keys=True): f["package"] for f in devices.values() if f["package"]}
    return {
        "app": app, "app_name": shown(records[0]["app_name"], 120), "platform": records[0]["platform"],
        "packages": list(packages.values()), "devices": list(devices.values()), "articles": articles,
        "overall": conclusion([a["conclusion"] for a in articles]),
        "decisions": [r for r in records if r.get("decision")], "sweep_id": sweep_dir.name,
        "version": harness_version(), "generated": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def render_export(sweep_dir: Path, app: str) -> str:
    return environment.get_template("export.html.j2").render(
        **report_facts(sweep_dir, app), verdict_zh=VERDICT_ZH, article_label=ARTICLE_LABEL)


def export_app(sweep_dir: Path, app: str, out: Path | None = None, pdf: bool = False) -> list[Path]:
    """The report's HTML (default: <sweep>/export/<app>.html) and, with `pdf`, the PDF beside it."""
    facts = report_facts(sweep_dir, app)
    page = out or sweep_dir / "export" / f"{app}.html"
    write_atomic(page, environment.get_template("export.html.j2").render(
        **facts, verdict_zh=VERDICT_ZH, article_label=ARTICLE_LABEL))
    if not pdf:
        return [page]
    title = html.escape(f"{facts['app_name']} 技术检测报告 · {facts['sweep_id']}")
    return [page, write_pdf(page, page.with_suffix(".pdf"), title)]


FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#666;font-family:\'WenQuanYi Micro Hei\','
          'sans-serif;">{title} · 第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页'
          '</div>')


def write_pdf(page_file: Path, pdf: Path, footer: str) -> Path:
    """The HTML printed to A4 by the installed Chromium (Playwright), offline: nothing but the file is loaded.
    `footer`: HTML-escaped text for each page's foot, beside the page number."""
    if not CHROMIUM.is_file():
        raise PdfError(f"{CHROMIUM}: no Chromium to print the PDF with (./setup.sh installs it)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    temporary = pdf.with_name(f".{pdf.name}.tmp")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True,
                args=OFFLINE_CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                           else route.abort())
                page.goto(page_file.resolve().as_uri(), wait_until="load")
                page.emulate_media(media="print")
                page.pdf(path=str(temporary), format="A4", print_background=True, display_header_footer=True,
                         header_template="<span></span>", footer_template=FOOTER.format(title=footer),
                         margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            finally:
                browser.close()
    except PlaywrightError as e:
        temporary.unlink(missing_ok=True)
        raise PdfError(f"{CHROMIUM}: printing {page_file} failed: {e}") from e
    temporary.replace(pdf)
    return pdf
