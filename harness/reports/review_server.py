"""`fingertip review`: a sweep's report served on 127.0.0.1 so reviewers decide in the browser.

Only this machine, only with this launch's token: the first request carries it in the URL (`?token=`) and
gets it back as a SameSite=Strict cookie for the report's relative links; a decision (POST) must also carry it
in a header, which another site's page cannot read, so it cannot post one. The Host header must name the
server itself (a DNS-rebinding page cannot either). The static report is untouched: the 通过 / 不通过 / note
controls are added to run pages as they are served.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from harness.errors import ConfigError
from harness.reports.decisions import DECISIONS, append_decision, new_decision
from harness.reports.results import gather
from harness.reports.sweep import write_reports

COOKIE = "fingertip_review"
MAX_BODY = 16 * 1024
RANGE = re.compile(r"bytes=(?P<start>\d*)-(?P<end>\d*)")
"""One byte range (what a video element asks for when it seeks)."""

# Added to a run page when served: 通过 / 不通过 and a note on each finding a machine left to a person, in the
# panel beside the video (the run page's j / k select one and seek to its moment, n goes to the next cell).
CONTROLS = """
<script type="application/json" id="ft-review">{config}</script>
<script>
(() => {
  const config = JSON.parse(document.getElementById("ft-review").textContent);
  const reviewer = () => {
    let name = localStorage.getItem("fingertip-reviewer") || "";
    if (!name) {
      name = (prompt("审核人姓名（只问一次）") || "").trim();
      if (name) localStorage.setItem("fingertip-reviewer", name);
    }
    return name;
  };
  async function decide(item, verdict) {
    const by = reviewer();
    if (!by) return;
    const answer = await fetch("/api/decide", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-Fingertip-Token": config.token},
      body: JSON.stringify({app: item.dataset.app, device: item.dataset.device, article: item.dataset.article,
                            verdict, by, note: item.querySelector(".ft-note").value}),
    });
    const result = await answer.json();
    // the reports were rewritten: the page again, on its next undecided finding
    if (result.ok) location.replace(location.pathname); else alert("未记录：" + result.error);
  }
  for (const item of document.querySelectorAll(".reviewable")) {
    const cell = item.querySelector(".ft-controls");
    const note = document.createElement("input");
    note.placeholder = "审核意见";
    note.className = "ft-note";
    cell.append(note);
    for (const [verdict, label] of [["pass", "通过"], ["fail", "不通过"]]) {
      const button = document.createElement("button");
      button.textContent = label;
      button.className = "ft-" + verdict;
      button.addEventListener("click", () => decide(item, verdict));
      cell.append(" ", button);
    }
  }
  for (const help of document.querySelectorAll(".ft-keys")) {
    help.innerHTML = " · <kbd>e</kbd> 写审核意见 · <kbd>p</kbd> 通过 · <kbd>f</kbd> 不通过"
      + " · <kbd>n</kbd> 下一个待裁定单元";
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const item = document.querySelector(".reviewable.selected");
    if (!item) return;
    if (event.key === "p") decide(item, "pass");
    else if (event.key === "f") decide(item, "fail");
    else if (event.key === "e") item.querySelector(".ft-note").focus();
    else return;
    event.preventDefault();
  });
})();
</script>
"""


class ReviewServer:
    """The sweep folder over HTTP on 127.0.0.1 (port 0: a free one) for as long as the context lasts."""

    def __init__(self, sweep_dir: Path, port: int = 0) -> None:
        self.sweep_dir = sweep_dir.resolve()
        self.token = secrets.token_urlsafe(24)
        self._lock = threading.Lock()  # one decision written (and the reports rebuilt) at a time
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fingertip-review", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/index.html?token={self.token}"

    def __enter__(self) -> ReviewServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def serve_forever(self) -> None:
        """Until Ctrl-C (the CLI)."""
        self._thread.join()

    def decide(self, asked: dict[str, Any]) -> dict[str, Any]:
        """A decision posted by a run page, checked like `fingertip decide` (never an override from the browser)."""
        fields = {k: asked.get(k, "") for k in ("app", "device", "article", "verdict", "by", "note")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise ConfigError(self.sweep_dir, None, "app, device, article, verdict, by and note are strings")
        fields = {k: str(v) for k, v in fields.items()}
        with self._lock:
            decision = new_decision(self.sweep_dir, gather(self.sweep_dir), fields["app"], fields["device"],
                                    fields["article"], fields["verdict"], fields["by"], fields["note"],
                                    override=False)
            append_decision(self.sweep_dir / DECISIONS, decision)
            append_decision(self.sweep_dir.parent / DECISIONS, decision)
            write_reports(self.sweep_dir, latest=False)
        return decision.facts()


def _handler(review: ReviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "fingertip-review"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the CLI prints the URL; request lines would bury it

        def _send(self, status: int, body: bytes, kind: str, cookie: bool = False,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if cookie:
                self.send_header("Set-Cookie", f"{COOKIE}={review.token}; Path=/; HttpOnly; SameSite=Strict")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

        def _host_ok(self) -> bool:
            return self.headers.get("Host", "") in (f"127.0.0.1:{review.port}", f"localhost:{review.port}")

        def _cookie_token(self) -> str:
            for part in self.headers.get("Cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE:
                    return value
            return ""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            given = parse_qs(parts.query).get("token", [""])[0]
            by_url = hmac.compare_digest(given, review.token)
            if not self._host_ok() or not (by_url or hmac.compare_digest(self._cookie_token(), review.token)):
                self._send(403, "需要本次启动的访问令牌（token）。".encode(), "text/plain; charset=utf-8")
                return
            relative = unquote(parts.path).lstrip("/") or "index.html"
            target = (review.sweep_dir / relative).resolve()
            if not target.is_relative_to(review.sweep_dir) or not target.is_file():
                self._send(404, "没有这个文件。".encode(), "text/plain; charset=utf-8")
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if not kind.startswith("text/"):  # videos: byte ranges, so the page can seek them
                self._send_file(target, kind, cookie=by_url)
                return
            body = target.read_bytes()
            if target.name == "index.html" and target.parent.parent == review.sweep_dir / "runs":
                config = json.dumps({"token": review.token}).replace("<", "\\u003c")
                body = body.replace(b"</body>", CONTROLS.replace("{config}", config).encode("utf-8") + b"</body>")
            if kind.startswith("text/"):
                kind += "; charset=utf-8"
            self._send(200, body, kind, cookie=by_url)

        def _send_file(self, target: Path, kind: str, cookie: bool) -> None:
            size = target.stat().st_size
            asked = RANGE.fullmatch(self.headers.get("Range", "").strip())
            start, end = 0, size - 1
            if asked and (asked["start"] or asked["end"]):
                if asked["start"]:
                    start = int(asked["start"])
                    end = min(int(asked["end"]), size - 1) if asked["end"] else size - 1
                else:  # the last N bytes
                    start = max(0, size - int(asked["end"]))
                if start >= size or start > end:
                    self._send(416, b"", kind, extra={"Content-Range": f"bytes */{size}"})
                    return
            with target.open("rb") as file:
                file.seek(start)
                body = file.read(end - start + 1)
            ranged = {"Content-Range": f"bytes {start}-{end}/{size}"} if asked else {}
            self._send(206 if asked else 200, body, kind, cookie, {"Accept-Ranges": "bytes", **ranged})

        def do_POST(self) -> None:
            header = self.headers.get("X-Fingertip-Token", "")
            if not self._host_ok() or not hmac.compare_digest(header, review.token):
                self._json(403, {"ok": False, "error": "需要本次启动的访问令牌（X-Fingertip-Token）"})
                return
            if urlsplit(self.path).path != "/api/decide":
                self._json(404, {"ok": False, "error": "unknown endpoint"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY:
                self._json(400, {"ok": False, "error": f"a decision is 1 to {MAX_BODY} bytes of JSON"})
                return
            try:
                asked = json.loads(self.rfile.read(length))
                if not isinstance(asked, dict):
                    raise ValueError("not an object")
                decision = review.decide(asked)
            except ConfigError as e:
                self._json(400, {"ok": False, "error": e.message})
                return
            except ValueError as e:
                self._json(400, {"ok": False, "error": f"not JSON: {e}"})
                return
            self._json(200, {"ok": True, "decision": decision})

    return Handler
