"""Submission guard: no test complaint may reach a real government system.

The run's canary text exists only for the complaint: the explorer types it into a complaint form
after the device proved, with a probe, that its traffic goes through this proxy. The probe (a request
to a made-up host, answered here) also arms the guard. Unless the scenario allows real submission
(the bundled samples: their backends are the harness's own):

- any request carrying the canary (any method, in the URL or the body, however wrapped: see
  canary_match) is answered here, and a WebSocket message carrying it is dropped;
- once armed, every request other than GET / HEAD / OPTIONS is answered here, and every WebSocket
  message the app sends is dropped: an app that encrypts the complaint still cannot send it;
- once armed, a request whose body cannot be searched within the flow's decompression budget, or is
  streamed past the proxy, is answered here or cut off too (fail closed).

Flows are marked so the complaint check knows what was answered here.
"""

from __future__ import annotations

import json
import logging
import time

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader

from harness.capture.addons.common import INTERNAL, REFUSED, JsonLines
from harness.capture.canary_match import CanaryMatcher
from harness.observe.bounded import Budget, BudgetExceeded, Undecodable, decode_body
from harness.observe.decode import multipart_parts

SUBMISSION = "fingertip.submission"
"""Flow metadata: `guarded` (carried the canary, answered here), `forwarded` (carried it, real submission
allowed) or `held` (sent after the complaint began, answered here without a recognisable canary)."""
PROBE_HOST = "fingertip-probe.invalid"
"""The made-up host a device's capture probe goes to (.invalid never resolves); answered here."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_carries(flow: http.HTTPFlow, matcher: CanaryMatcher, budget: Budget) -> bool:
    """URL and whole body searched; raises BudgetExceeded / Undecodable when the body cannot be."""
    request = flow.request
    if matcher.found_in(request.url.encode("utf-8", "surrogateescape"), budget):
        return True
    raw = request.raw_content or b""
    if not raw:
        return False
    body = decode_body(raw, request.headers.get("content-encoding", ""), budget)
    if matcher.found_in(body, budget):
        return True
    parts = multipart_parts(body, request.headers.get("content-type", ""))
    return any(matcher.found_in(content, budget) for _, content in parts or [])


def answer_locally(flow: http.HTTPFlow, why: str) -> None:
    flow.metadata[SUBMISSION] = why
    flow.response = http.Response.make(
        200,
        json.dumps({"code": 0, "success": True, "message": "Fingertip: test submission answered locally"}),
        {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
    )


class SubmissionGuard:
    def __init__(self) -> None:
        self.matcher = CanaryMatcher("")
        self.allow = False
        self.armed = False
        self.probes = JsonLines()

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_canary_text", str, "", "Canary text the explorer types into complaint forms.")
        loader.add_option("fingertip_allow_submission", bool, False,
                          "Forward canary submissions to the app's server (only for servers the harness owns).")
        loader.add_option("fingertip_probes", str, "", "JSON-lines file of capture probes seen (they arm the guard).")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_canary_text" in updated:
            self.matcher = CanaryMatcher(ctx.options.fingertip_canary_text)
        if "fingertip_allow_submission" in updated:
            self.allow = ctx.options.fingertip_allow_submission
        if "fingertip_probes" in updated:
            self.probes.open(ctx.options.fingertip_probes)

    def _probe(self, flow: http.HTTPFlow) -> None:
        # Anyone may arm the guard (it only gets stricter); only the harness knows its probe's token.
        flow.metadata[INTERNAL] = True
        self.armed = True
        token = flow.request.path.rsplit("/", 1)[-1][:64]
        self.probes.write({"t": time.time(), "token": token})
        flow.response = http.Response.make(204, b"", {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})

    def _skip(self, flow: http.HTTPFlow) -> bool:
        return bool(flow.response or flow.metadata.get(INTERNAL) or flow.metadata.get(REFUSED))

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        # A streamed body never reaches the request hook: once armed, it must not go out unread.
        if self._skip(flow) or self.allow or not self.armed:
            return
        if flow.request.stream and flow.request.method not in SAFE_METHODS:
            flow.metadata[SUBMISSION] = "held"
            flow.kill()

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.request.pretty_host.lower().rstrip(".") == PROBE_HOST:
            self._probe(flow)
            return
        if self._skip(flow) or not self.matcher.parts:
            return
        try:
            carries = request_carries(flow, self.matcher, Budget())
        except (BudgetExceeded, Undecodable):
            carries = self.armed  # unreadable once the canary is out there: treat it as carrying it
        if carries:
            if self.allow:
                flow.metadata[SUBMISSION] = "forwarded"
            else:
                answer_locally(flow, "guarded")
        elif self.armed and not self.allow and flow.request.method not in SAFE_METHODS:
            answer_locally(flow, "held")

    def websocket_message(self, flow: http.HTTPFlow) -> None:
        assert flow.websocket is not None
        message = flow.websocket.messages[-1]
        if not message.from_client or self.allow or not self.matcher.parts:
            return
        try:
            carries = self.matcher.found_in(message.content, Budget())
        except BudgetExceeded:
            carries = True
        if carries or self.armed:
            message.drop()
            flow.metadata[SUBMISSION] = "guarded" if carries else "held"
            logging.warning("submission guard: a WebSocket message to %s was dropped (%s)",
                            flow.request.pretty_host, "canary" if carries else "after the complaint began")

    def done(self) -> None:
        self.probes.close()
