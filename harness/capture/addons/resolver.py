"""Resolver: connects the scenario's host names to the scenario's addresses, never through DNS.

Plain-HTTP proxy requests are pointed at the address itself (their Host header keeps the name),
so mitmproxy reuses its upstream connections by address; a CONNECT tunnel's one upstream
connection is redirected when it is made, keeping the name for SNI.
"""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks

AddressMap = dict[str, list[tuple[str, int | None]]]


def parse_hosts(spec: str) -> AddressMap:
    """`{"host": [["127.0.0.1", 8080], ["::1", null]]}` → host → [(address, port or None)].

    A None port keeps the port the app asked for; a number redirects (bundled samples listen on
    ephemeral ports).
    """
    if not spec:
        return {}
    try:
        raw: Any = json.loads(spec)
        return {
            str(host).lower(): [(str(a), None if p is None else int(p)) for a, p in entries]
            for host, entries in raw.items()
        }
    except (ValueError, TypeError, AttributeError) as e:
        raise exceptions.OptionsError(f"fingertip_hosts is not a valid hosts map: {e}") from e


class HostsResolver:
    def __init__(self) -> None:
        self.hosts: AddressMap = {}
        self.only_family: int | None = None

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_hosts", str, "", "JSON map: host → [[address, port|null], …].")
        loader.add_option(
            "fingertip_only_family", int, 0, "Connect upstream only over this IP version (4 or 6); 0: any."
        )

    def configure(self, updated: set[str]) -> None:
        if "fingertip_hosts" in updated:
            self.hosts = parse_hosts(ctx.options.fingertip_hosts)
        if "fingertip_only_family" in updated:
            family = ctx.options.fingertip_only_family
            if family not in (0, 4, 6):
                raise exceptions.OptionsError("fingertip_only_family must be 0, 4 or 6")
            self.only_family = family or None

    def pick(self, host: str, port: int) -> tuple[str, int] | None:
        for address, mapped_port in self.hosts.get(host.lower().rstrip("."), []):
            family = 6 if ":" in address else 4
            if self.only_family and family != self.only_family:
                continue
            return address, mapped_port or port
        return None

    def targets(self) -> set[tuple[str, int | None]]:
        return {entry for entries in self.hosts.values() for entry in entries}

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.request.scheme != "http":
            return
        name, port = flow.request.pretty_host.lower().rstrip("."), flow.request.port
        target = self.pick(name, port)
        if target is None:
            return  # server_connect refuses it with a reason
        flow.request.host, flow.request.port = target
        flow.request.host_header = name if port == 80 else f"{name}:{port}"

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        if data.server.error or not data.server.address:
            return
        host, port = str(data.server.address[0]), int(data.server.address[1])
        if any(host == a and (p is None or p == port) for a, p in self.targets()):
            return  # already pointed at a mapped address (plain HTTP, see requestheaders)
        target = self.pick(host, port)
        if target is None:
            data.server.error = f"{host} has no address in the scenario's hosts map" + (
                f" for IPv{self.only_family}" if self.only_family else ""
            )
            return
        data.server.address = target
