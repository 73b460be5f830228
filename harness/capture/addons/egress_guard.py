"""Egress guard: only the scenario's hosts, on their ports, may be reached; everything else is refused.

Browsers and SDKs phone home (update checks, telemetry), and a hostile app probes the harness's
host (an adb server on 5037, Appium on 4723). During detection nothing may leave the run's own hosts
and ports, so a request or CONNECT to any other host or port gets a 403 from the proxy and a line in
the refusal log, and no upstream connection is ever opened for it. A connection about to be made is
checked again: to a name the scenario allows on an allowed port, or to one of its (address, port)
targets, never another port on a mapped loopback address.
"""

from __future__ import annotations

import logging
import time

from mitmproxy import ctx, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks

from harness.capture.addons.common import HOOK_SINK_HOST, INTERNAL, REFUSED, JsonLines
from harness.capture.addons.resolver import (
    AddressMap,
    PortMap,
    allowed_targets,
    norm,
    parse_hosts,
    parse_ports,
    ports_for,
)
from harness.capture.addons.submission_guard import PROBE_HOST

LOCAL_HOSTS = frozenset({HOOK_SINK_HOST, PROBE_HOST})
"""Answered by the proxy itself: reachable on the web's own ports, never connected upstream."""


def parse_allow(spec: str) -> frozenset[str]:
    """`a.test,b.test` → the set of allowed host names (lower-case)."""
    return frozenset(h.strip().lower().rstrip(".") for h in spec.split(",") if h.strip())


class EgressGuard:
    def __init__(self) -> None:
        self.allowed: frozenset[str] = frozenset()
        self.hosts: AddressMap = {}
        self.ports: PortMap = {}
        self.targets: frozenset[tuple[str, int]] = frozenset()
        self.log = JsonLines()
        self.refused = 0

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_allow", str, "", "Comma-separated host names the run may reach.")
        loader.add_option("fingertip_refusals", str, "", "JSON-lines file of refused requests.")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_allow" in updated:
            self.allowed = parse_allow(ctx.options.fingertip_allow)
        # The resolver's options: where the allowed hosts connect, and on which ports.
        if "fingertip_hosts" in updated:
            self.hosts = parse_hosts(ctx.options.fingertip_hosts)
        if "fingertip_ports" in updated:
            self.ports = parse_ports(ctx.options.fingertip_ports)
        if updated & {"fingertip_hosts", "fingertip_ports"}:
            self.targets = allowed_targets(self.hosts, self.ports)
        if "fingertip_refusals" in updated:
            self.log.open(ctx.options.fingertip_refusals)

    def allows(self, host: str, port: int) -> bool:
        host = norm(host)
        if host in LOCAL_HOSTS:
            return port in (80, 443)
        return host in self.allowed and port in ports_for(self.ports, host)

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
        if not self.allows(flow.request.host, flow.request.port):
            self._refuse(flow, "connect")

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.metadata.get(INTERNAL):
            return
        if not self.allows(flow.request.pretty_host, flow.request.port):
            self._refuse(flow, "request")

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        # A second line of defence for anything that reaches connection set-up another way.
        host, port = (str(data.server.address[0]), int(data.server.address[1])) if data.server.address else ("", 0)
        if norm(host) in LOCAL_HOSTS or not (self.allows(host, port) or (host, port) in self.targets):
            data.server.error = f"egress to {host}:{port} refused by the Fingertip egress guard"
            logging.warning(data.server.error)

    def done(self) -> None:
        self.log.close()
