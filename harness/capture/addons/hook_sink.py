"""Hook sink: the web device's injected script reports hook events here, through the proxy.

Reports survive page navigations (the browser delivers beacons on unload) and land on the
same clock as the flows. They are answered locally and never recorded as app traffic.

The app can post here too, so only reports signed with the run's secret count, each event is checked against
HookEvent, and a run keeps at most MAX_EVENTS; the rest is dropped and tallied in hook_sink.json (a problem
line in observations). Nothing a page posts here can make the run fail.
"""

from __future__ import annotations

import hmac
import json
import time
from pathlib import Path

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader
from pydantic import ValidationError

from harness.capture.addons.common import HOOK_SINK_HOST, INTERNAL, JsonLines
from harness.observe.hooks import MAX_EVENTS, MAX_REPORT_BYTES, HookEvent, HookReport, SinkStats, stats_path

STATS_EVERY_S = 1.0


class HookSink:
    def __init__(self) -> None:
        self.log = JsonLines()
        self.secret = ""
        self.stats = SinkStats()
        self._stats_file: Path | None = None
        self._stats_written = 0.0

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_hook_events", str, "", "JSON-lines file for hook events from the device.")
        loader.add_option("fingertip_hook_secret", str, "",
                          "The run's secret hook reports must carry; empty: every report is dropped.")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_hook_events" in updated:
            self.log.open(ctx.options.fingertip_hook_events)
            path = ctx.options.fingertip_hook_events
            self._stats_file = stats_path(Path(path)) if path else None
            self.stats = SinkStats()
        if "fingertip_hook_secret" in updated:
            self.secret = ctx.options.fingertip_hook_secret

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.request.pretty_host != HOOK_SINK_HOST:
            return
        flow.metadata[INTERNAL] = True
        flow.response = http.Response.make(
            204, b"", {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*"}
        )
        self.take(flow.request)
        self._save_stats(force=False)

    def take(self, request: http.Request) -> None:
        """Keep the report's valid events, or count why not. Never raises on what the page sent."""
        raw = request.raw_content
        # Bodies are read as sent: a Content-Encoding here is not the script's, and could be a bomb.
        if raw is None or len(raw) > MAX_REPORT_BYTES or request.headers.get("content-encoding"):
            self.stats.malformed_reports += 1
            return
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            self.stats.malformed_reports += 1
            return
        signed = isinstance(data, dict) and isinstance(data.get("k"), str) and bool(self.secret)
        if not signed or not hmac.compare_digest(data["k"].encode(), self.secret.encode()):
            self.stats.unsigned += 1
            return
        try:
            report = HookReport.model_validate(data)
        except ValidationError:
            self.stats.malformed_reports += 1
            return
        received = time.time()
        for item in report.events:
            try:
                event = HookEvent.model_validate(item)
            except ValidationError:
                self.stats.malformed_events += 1
                continue
            if self.stats.accepted >= MAX_EVENTS:
                self.stats.over_cap += 1
                continue
            self.stats.accepted += 1
            self.log.write({**event.model_dump(exclude_none=True), "received": received})

    def _save_stats(self, force: bool) -> None:
        now = time.monotonic()
        if self._stats_file is None or (not force and now - self._stats_written < STATS_EVERY_S):
            return
        self._stats_written = now
        temporary = self._stats_file.with_suffix(".tmp")
        temporary.write_text(self.stats.model_dump_json(), encoding="utf-8")
        temporary.replace(self._stats_file)

    def done(self) -> None:
        self._save_stats(force=True)
        self.log.close()
