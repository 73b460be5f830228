"""The explorer on the real web device stays inside the app and never waits long on it: a back at the entry,
links that open windows (target=_blank) on a foreign host and on the app's own, a link to a foreign host in
the same tab, and a page that stops answering."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.capture.proxy import CaptureProxy, ca_spki_hash
from harness.config.farm import WebDeviceSpec
from harness.config.scenario import Explore, Scenario
from harness.devices.common.appium_server import cmdline
from harness.devices.protocol import RunSetup
from harness.devices.web import device as web_device
from harness.devices.web.device import WebDevice
from harness.evidence.canaries import make_canary_photo
from harness.ui.explorer import Explorer

pytestmark = pytest.mark.e2e
HOST, FOREIGN = "app.demo.test", "foreign.example.test"


MASK = ('<div id="mask" role="dialog" aria-modal="true" style="position:fixed;inset:0;background:rgba(0,0,0,.5);'
        'z-index:9"><div style="margin:40vh auto;width:60%;background:#fff">请先阅读提示 {}</div></div>{}')
"""A dialog over the whole page; {} its controls and any script."""


def page(title: str, body: str) -> bytes:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{body}</body></html>").encode()


WIZARD_SCRIPT = """<script>
const steps = ['<input id="f" placeholder="问题地址">', '<textarea id="f" placeholder="问题描述"></textarea>',
               '<p>请确认</p>'];
let step = 0;
const show = () => { document.getElementById('w').innerHTML = '<h2>第' + (step + 1) + '步</h2>' + steps[step]
  + (step < 2 ? '<button onclick="forward()">下一步</button>' : '<button onclick="done()">提交</button>'); };
const forward = () => { if (document.getElementById('f').value) { step += 1; show(); } };
const start = () => { navigator.geolocation.watchPosition(() => {}, () => {}); show(); };
const done = () => { document.getElementById('w').innerHTML = '<p>提交成功，受理编号：WZ12345678</p>'; };
</script>"""


PAGES = {
    "/": page("入口", f'<a href="http://{FOREIGN}/x" target="_blank">外部新窗口</a> '
                    '<a href="/other" target="_blank">本站新窗口</a> '
                    f'<a href="http://{FOREIGN}/y">外部链接</a> '
                    "<button onclick=\"document.querySelector('h1').textContent='已展开';"
                    "this.textContent='收起'\">展开</button>"),
    "/other": page("本站其他页", '<a href="/">返回首页</a>'),
    "/hang": page("会卡住的页面", '<button onclick="while (true) {}">考勤打卡</button>'),
    # A dialog over the page on every load: closed by its 我知道了, or (no close control) only by Escape.
    "/dialog": page("有弹窗的首页", '<a href="/guide">办事指南</a> <a href="/other">政策解读</a>' + MASK.format(
        "<button onclick=\"document.getElementById('mask').remove()\">我知道了</button>", "")),
    "/escape": page("按 Esc 关闭的弹窗", '<a href="/guide">办事指南</a>' + MASK.format(
        "<button>查看详情</button>", "<script>addEventListener('keydown', (e) => { if (e.key === 'Escape') "
                                    "document.getElementById('mask').remove(); });</script>")),
    "/guide": page("办事指南", '<a href="/">返回首页</a>'),
    # A complaint form in a same-origin iframe, answered inside the frame.
    "/framed": page("互动", '<a href="/framed-form">我要留言</a>'),
    "/framed-form": page("留言", '<iframe src="/inner" title="留言" style="width:100%;height:300px"></iframe>'),
    "/inner": page("留言表单", '<textarea placeholder="留言内容"></textarea>'
                             "<button onclick=\"document.body.innerHTML='<p>提交成功，受理编号：AB12345678</p>'\">"
                             "提交留言</button>"),
    # Native dialogs: a confirm before the complaint is filed and an alert with its number after; a confirm that
    # guards a destructive control; an alert at load. The page tries to answer confirm() itself.
    "/confirm": page("互动", '<a href="/confirm-form">我要留言</a>'),
    "/confirm-form": page("留言", '<textarea placeholder="留言内容"></textarea>'
                                 '<label>联系电话<input type="tel" placeholder="选填"></label>'
                                 "<button onclick=\"if (confirm('确认提交该留言？')) "
                                 "alert('提交成功\\n受理编号：CF12345678')\">提交留言</button>"
                                 "<button onclick=\"if (confirm('确认清空草稿？')) "
                                 "document.querySelector('h1').textContent='草稿已清空'\">清空草稿</button>"
                                 "<script>try { window.confirm = () => true; } catch (e) {}</script>"),
    "/alerting": page("首页", "<script>alert('请在PC端访问本系统')</script>"),
    # A complaint in steps, each refusing to move on while its field is empty; opening it starts following the
    # position. The sponsor and filing number only in the logo's alt text.
    "/wizard": page("环境投诉", '<img alt="主办单位：某市生态环境局 备案号：浙ICP备2026000001号-1" '
                              'width="40" height="40" src="data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E">'
                              '<div id="w"><button onclick="start()">开始举报</button></div>' + WIZARD_SCRIPT),
}


class Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0], page("没有这一页", ""))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


class Origin(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:  # no getfqdn(): no reverse DNS lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


@pytest.fixture(scope="module")
def origin() -> Iterator[int]:
    server = Origin(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDevice]:
    with WebDevice(WebDeviceSpec(id="web-explore", headless=True), tmp_path_factory.mktemp("device")) as opened:
        yield opened


def launched(device: WebDevice, tmp_path: Path, port: int, path: str) -> tuple[CaptureProxy, RunSetup]:
    scenario = Scenario.model_validate({
        "path": tmp_path / "s.yaml", "id": "stay", "name": "留在应用内", "platform": "web",
        "entry": f"http://{HOST}:{port}{path}", "hosts": {HOST: ["127.0.0.1"]},
    }, context={"path": tmp_path / "s.yaml"})
    proxy = CaptureProxy(tmp_path, tmp_path / "ca", {HOST: [("127.0.0.1", port)]}, ports={HOST: [port]}).__enter__()
    setup = RunSetup(scenario=scenario, run_dir=tmp_path, proxy_url=proxy.url, ca_spki=ca_spki_hash(tmp_path / "ca"),
                     ca_cert=tmp_path / "ca" / "mitmproxy-ca-cert.pem",
                     canary_photo=make_canary_photo(tmp_path / "canaries", "stay"), hook_secret="a" * 32)
    device.launch(setup)
    return proxy, setup


def explorer_for(device: WebDevice, tmp_path: Path, **settings: float) -> Explorer:
    explore = Explore(**{"budget_s": 40, "max_actions": 30, "settle_s": 1, **settings})  # type: ignore[arg-type]
    return Explorer(device, explore, tmp_path / "canaries" / "photo.jpg", tmp_path / "screens")


def filing_explorer(device: WebDevice, tmp_path: Path, canary: str, max_actions: int) -> Explorer:
    """An explorer that files its one complaint with `canary` (the gate lets it through)."""
    explore = Explore(budget_s=30, max_actions=max_actions, settle_s=1)
    return Explorer(device, explore, tmp_path / "canaries" / "photo.jpg", tmp_path / "screens",
                    canary_text=canary, complaint_gate=lambda: "")


def test_windows_foreign_pages_and_the_entry_keep_the_walk_inside_the_app(
        device: WebDevice, origin: int, tmp_path: Path) -> None:
    proxy, _ = launched(device, tmp_path, origin, "/")
    explorer = explorer_for(device, tmp_path)
    walker = threading.Thread(target=explorer.run, daemon=True)
    try:
        walker.start()
        walker.join(timeout=120)  # a window left open made every later command wait 240 s
        assert not walker.is_alive(), "the walk is stuck behind a window the app opened"
        handles = device._driver.window_handles
        for _ in range(3):  # more backs than the walk's history holds: never before the entry
            device.back()
        at_the_end = device.screen()
    finally:
        device.finish()
        proxy.stop()
    walk = explorer.walk
    assert not at_the_end.outside and at_the_end.title == "入口"
    keys = {v.screen["key"] for v in walk.screens}
    assert keys == {"/", "/other"}, [(v.screen["key"], v.screen["title"]) for v in walk.screens]
    assert not [v for v in walk.screens if v.screen.get("outside")]
    assert len(handles) == 1  # every window the app opened was closed
    notes = "\n".join(walk.notes)
    assert f"关闭了应用打开的新窗口（不在应用的主机内）：http://{FOREIGN}/x" in notes
    assert f"应用打开的新窗口在本标签页中继续：http://{HOST}:{origin}/other" in notes
    assert f"离开了应用之外的页面：http://{FOREIGN}/y" in notes
    tapped = {a.label for a in walk.actions if a.kind == "tap"}
    assert {"外部新窗口", "本站新窗口", "外部链接", "展开"} <= tapped


def test_a_page_that_stops_answering_ends_the_walk_in_seconds_and_the_session_is_thrown_away(
        device: WebDevice, origin: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_device, "COMMAND_S", 8.0)
    proxy, setup = launched(device, tmp_path, origin, "/hang")
    explorer = explorer_for(device, tmp_path)
    walker = threading.Thread(target=explorer.run, daemon=True)
    started = time.monotonic()
    try:
        walker.start()
        walker.join(timeout=60)  # Appium's own limit would be 240 s per command
        assert not walker.is_alive(), "the walk is still waiting on the hung page"
        assert time.monotonic() - started < 60
        assert explorer.walk.coverage is not None and explorer.walk.coverage.stopped == "hung"
        assert any("stopped answering" in p for p in explorer.walk.problems)
        assert device.alive() is False
        port = device._chromedriver_port
    finally:
        device.finish()
    assert not [p for p in device._appium.descendants() if f"--port={port}" in cmdline(p).split()] \
        if device._appium else True
    # The device takes the next run at once: no command queued behind the hung one.
    started = time.monotonic()
    try:
        device.launch(setup)
        assert device.screen().title == "会卡住的页面"
        assert time.monotonic() - started < 30
    finally:
        device.finish()
        proxy.stop()


@pytest.mark.parametrize("path", ["/dialog", "/escape"])
def test_a_dialog_over_the_page_is_closed_and_the_page_behind_it_walked(
        device: WebDevice, origin: int, tmp_path: Path, path: str) -> None:
    proxy, _ = launched(device, tmp_path, origin, path)
    explorer = explorer_for(device, tmp_path, budget_s=30, max_actions=10)
    try:
        first = device.screen()
        walk = explorer.run()
    finally:
        device.finish()
        proxy.stop()
    covered = {n.label for n in first.nodes if n.covered}
    assert "办事指南" in covered and first.blocked  # the snapshot sees the page under the dialog
    assert not {n.label for n in first.nodes if not n.covered} & {"办事指南", "政策解读"}
    assert "/guide" in {v.screen["key"] for v in walk.screens}
    assert [a for a in walk.actions if a.kind == "dismiss"]
    if path == "/escape":
        assert "查看详情" not in {a.label for a in walk.actions if a.kind == "dismiss"}


def test_a_complaint_form_in_a_same_origin_iframe_is_filled_and_submitted(
        device: WebDevice, origin: int, tmp_path: Path) -> None:
    proxy, _ = launched(device, tmp_path, origin, "/framed")
    explorer = filing_explorer(device, tmp_path, "指尖检测金丝雀beef01", max_actions=10)
    try:
        walk = explorer.run()
    finally:
        device.finish()
        proxy.stop()
    assert ("type", "留言内容") in {(a.kind, a.label) for a in walk.actions}
    submit = next(a for a in walk.actions if a.kind == "submit")
    assert submit.label == "提交留言"
    after = next(v for v in walk.screens if v.signature == submit.after)
    assert any("受理编号：AB12345678" in t for t in after.screen["texts"])


def test_native_dialogs_are_answered_read_and_only_the_complaint_is_confirmed(
        device: WebDevice, origin: int, tmp_path: Path) -> None:
    proxy, _ = launched(device, tmp_path, origin, "/confirm")
    explorer = filing_explorer(device, tmp_path, "指尖检测金丝雀beef02", max_actions=12)
    try:
        walk = explorer.run()
        device.home()
        device.settle(2)
        device._driver.get(f"http://{HOST}:{origin}/alerting")
        device.settle(2)
        alerting = device.screen()
    finally:
        device.finish()
        proxy.stop()
    submit = next(a for a in walk.actions if a.kind == "submit")
    after = next(v for v in walk.screens if v.signature == submit.after and v.t >= submit.t - 0.5)
    texts = [t for v in walk.screens if v.t >= submit.t - 0.5 for t in v.screen["texts"]]
    assert "受理编号：CF12345678" in texts, after.screen["texts"]  # the alert after the confirmed submission
    assert "清空草稿" in {a.label for a in walk.actions if a.kind == "tap"}  # tapped, and its confirm cancelled
    assert not any("草稿已清空" in t for v in walk.screens for t in v.screen["texts"])
    assert "请在PC端访问本系统" in alerting.texts
    typed = {a.label for a in walk.actions if a.kind == "type"}
    assert "联系电话" in typed  # named by the label around it, so it got the test number, not the canary


def test_a_complaint_in_steps_is_filled_and_filed_the_walk_stays_while_the_position_is_followed(
        device: WebDevice, origin: int, tmp_path: Path) -> None:
    proxy, _ = launched(device, tmp_path, origin, "/wizard")
    explore = Explore(budget_s=30, max_actions=8, settle_s=1, linger_s=1.5)
    explorer = Explorer(device, explore, tmp_path / "canaries" / "photo.jpg", tmp_path / "screens",
                        canary_text="指尖检测金丝雀beef03", complaint_gate=lambda: "")
    try:
        first = device.screen()
        walk = explorer.run()
    finally:
        device.finish()
        proxy.stop()
    assert first.images == ("主办单位：某市生态环境局 备案号：浙ICP备2026000001号-1",) and not first.watching
    assert not any("备案号" in t for t in first.texts)  # the alt is no visible text
    assert [a.kind for a in walk.actions].count("wait") == 1  # opening the wizard began following the position
    assert {"问题地址", "问题描述"} <= {a.label for a in walk.actions if a.kind == "type"}
    submit = next(a for a in walk.actions if a.kind == "submit")
    assert submit.label == "提交"
    assert any("受理编号：WZ12345678" in t for v in walk.screens if v.t >= submit.t - 0.5 for t in v.screen["texts"])
