"""Body guard: a hostile server's compressed answer cannot inflate beyond a budget anywhere.

mitmproxy holds at most `body_size_limit` of a body (set by the harness); this addon keeps what those
bytes may turn into bounded too. Requests ask only for codings the harness can decode within a budget
(gzip, deflate), WebSocket compression is never negotiated (mitmproxy would inflate every message
without a limit), and a response that decodes beyond the flow's budget, or in a coding that cannot be
bounded, is replaced by a 502 before the app (or the browser) inflates it.
"""

from __future__ import annotations

import logging

from mitmproxy import http

from harness.capture.addons.common import INTERNAL
from harness.observe.bounded import Budget, BudgetExceeded, Undecodable, decode_body

OVERSIZE = "fingertip.oversize"
"""Flow metadata: why the body guard replaced the response."""
ACCEPTED_CODINGS = "gzip, deflate"


class BodyGuard:
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.metadata.get(INTERNAL):
            return
        headers = flow.request.headers
        if "accept-encoding" in headers:
            headers["accept-encoding"] = ACCEPTED_CODINGS
        headers.pop("sec-websocket-extensions", None)

    def response(self, flow: http.HTTPFlow) -> None:
        response = flow.response
        if response is None or flow.metadata.get(INTERNAL) or flow.metadata.get(OVERSIZE):
            return
        coding = response.headers.get("content-encoding", "")
        if not coding.strip() or not response.raw_content:
            return
        try:
            decode_body(response.raw_content, coding, Budget())
            return
        except BudgetExceeded:
            why = "decompresses beyond the budget"
        except Undecodable as e:
            why = str(e)
        flow.metadata[OVERSIZE] = why
        logging.warning("body guard: response from %s replaced: %s", flow.request.pretty_host, why)
        flow.response = http.Response.make(
            502, f"Fingertip: response body refused ({why})".encode(), {"Content-Type": "text/plain; charset=utf-8"})
