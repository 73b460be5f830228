"""Egress guard: only the scenario's hosts may be reached; everything else is refused and counted.

Browsers and SDKs phone home (update checks, telemetry). During detection nothing may leave the
run's own hosts, so a request to any other host gets a 403 from the proxy and a line in the
refusal log, and no upstream connection is ever opened for it.
"""

from __future__ import annotations

import logging
import time

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks

from harness.capture.addons.common import HOOK_SINK_HOST, INTERNAL, REFUSED, JsonLines
from harness.capture.addons.resolver import parse_hosts


def parse_allow(spec: str) -> frozenset[str]:
    """`a.test,b.test` → the set of allowed host names (lower-case)."""
    return frozenset(h.strip().lower().rstrip(".") for h in spec.split(",") if h.strip())


class EgressGuard:
    def __init__(self) -> None:
        self.allowed: frozenset[str] = frozenset()
        self.mapped_addresses: set[str] = set()
        self.log = JsonLines()
        self.refused = 0

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_allow", str, "", "Comma-separated host names the run may reach.")
        loader.add_option("fingertip_refusals", str, "", "JSON-lines file of refused requests.")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_allow" in updated:
            self.allowed = parse_allow(ctx.options.fingertip_allow)
        if "fingertip_hosts" in updated:  # the resolver's option: its addresses are the allowed hosts'
            self.mapped_addresses = {a for entries in parse_hosts(ctx.options.fingertip_hosts).values()
                                     for a, _ in entries}
        if "fingertip_refusals" in updated:
            self.log.open(ctx.options.fingertip_refusals)

    def allows(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.allowed or host == HOOK_SINK_HOST

    def _refuse(self, flow: http.HTTPFlow, stage: str) -> None:
        self.refused += 1
        flow.metadata[REFUSED] = True
        self.log.write({
            "t": time.time(),
            "stage": stage,
            "host": flow.request.pretty_host,
            "port": flow.request.port,
            "method": flow.request.method,
            "url": flow.request.pretty_url if stage == "request" else f"{flow.request.host}:{flow.request.port}",
        })
        flow.response = http.Response.make(
            403, b"blocked by the Fingertip egress guard", {"Content-Type": "text/plain"}
        )

    def http_connect(self, flow: http.HTTPFlow) -> None:
        if not self.allows(flow.request.host):
            self._refuse(flow, "connect")

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.metadata.get(INTERNAL):
            return
        if not self.allows(flow.request.pretty_host):
            self._refuse(flow, "request")

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        # A second line of defence for anything that reaches connection set-up another way.
        host = str(data.server.address[0]) if data.server.address else ""
        if not self.allows(host) and host not in self.mapped_addresses:
            data.server.error = f"egress to {host} refused by the Fingertip egress guard"
            logging.warning(data.server.error)

    def done(self) -> None:
        self.log.close()
