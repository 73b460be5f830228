"""Hook sink: the web device's injected script reports hook events here, through the proxy.

Reports survive page navigations (the browser delivers beacons on unload) and land on the
same clock as the flows. They are answered locally and never recorded as app traffic.
"""

from __future__ import annotations

import json
import logging
import time

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader

from harness.capture.addons.common import HOOK_SINK_HOST, INTERNAL, JsonLines


class HookSink:
    def __init__(self) -> None:
        self.log = JsonLines()

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_hook_events", str, "", "JSON-lines file for hook events from the device.")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_hook_events" in updated:
            self.log.open(ctx.options.fingertip_hook_events)

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.request.pretty_host != HOOK_SINK_HOST:
            return
        flow.metadata[INTERNAL] = True
        received = time.time()
        try:
            events = json.loads(flow.request.get_content() or b"[]")
            if isinstance(events, dict):
                events = [events]
            for event in events:
                if isinstance(event, dict):
                    self.log.write({**event, "received": received})
        except ValueError:
            logging.warning("hook sink: a report that is not JSON was dropped")
        flow.response = http.Response.make(
            204, b"", {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*"}
        )

    def done(self) -> None:
        self.log.close()
