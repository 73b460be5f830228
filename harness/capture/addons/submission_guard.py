"""Submission guard: no test complaint may reach a real government system.

A request carrying the run's canary text (the explorer typed it into a complaint form) is
answered here with a generic success, unless the scenario allows real submission (the bundled
samples do: their backends are the harness's own). Either way the flow is marked, so the
complaint check knows whether tracking could be proven.
"""

from __future__ import annotations

import json

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader

from harness.capture.addons.common import INTERNAL, REFUSED
from harness.observe.decode import unwrap

SUBMISSION = "fingertip.submission"
"""Flow metadata: `guarded` (answered here) or `forwarded` (real submission allowed)."""


def carries(flow: http.HTTPFlow, canary: str) -> bool:
    body = flow.request.get_content(strict=False) or b""
    if json.dumps(canary)[1:-1].encode() in body:  # JSON with \\u escapes
        return True
    return canary in unwrap(flow.request.pretty_url, flow.request.headers.get("content-type", ""), body).text


class SubmissionGuard:
    def __init__(self) -> None:
        self.canary = ""
        self.allow = False

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_canary_text", str, "", "Canary text the explorer types into complaint forms.")
        loader.add_option("fingertip_allow_submission", bool, False,
                          "Forward canary submissions to the app's server (only for servers the harness owns).")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_canary_text" in updated:
            self.canary = ctx.options.fingertip_canary_text
        if "fingertip_allow_submission" in updated:
            self.allow = ctx.options.fingertip_allow_submission

    def request(self, flow: http.HTTPFlow) -> None:
        if not self.canary or flow.response or flow.metadata.get(INTERNAL) or flow.metadata.get(REFUSED):
            return
        if flow.request.method in ("GET", "HEAD", "OPTIONS") or not carries(flow, self.canary):
            return
        if self.allow:
            flow.metadata[SUBMISSION] = "forwarded"
            return
        flow.metadata[SUBMISSION] = "guarded"
        flow.response = http.Response.make(
            200,
            json.dumps({"code": 0, "success": True, "message": "Fingertip: test submission answered locally"}),
            {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
        )
