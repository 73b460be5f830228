"""Resolver: connects the scenario's host names to the scenario's addresses, never through DNS.

Plain-HTTP proxy requests are pointed at the address itself (their Host header keeps the name),
so mitmproxy reuses its upstream connections by address; a CONNECT tunnel's one upstream
connection is redirected when it is made, keeping the name for SNI. Only the ports the scenario
allows a host (`fingertip_ports`; without a pin 80 and 443) are mapped: a mapped loopback address
is never reached on another port (an adb server, Appium).
"""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.addonmanager import Loader
from mitmproxy.proxy import server_hooks

AddressMap = dict[str, list[tuple[str, int | None]]]
PortMap = dict[str, frozenset[int]]
DEFAULT_PORTS = frozenset({80, 443})
"""The ports a host may be asked for when the scenario pins none (the entry's own port is added by the run)."""


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


def parse_ports(spec: str) -> PortMap:
    """`{"host": [80, 8443]}` → host → the ports the app may ask for."""
    if not spec:
        return {}
    try:
        raw: Any = json.loads(spec)
        ports = {str(host).lower(): frozenset(int(p) for p in values) for host, values in raw.items()}
    except (ValueError, TypeError, AttributeError) as e:
        raise exceptions.OptionsError(f"fingertip_ports is not a valid ports map: {e}") from e
    if any(not 0 < p < 65536 for values in ports.values() for p in values):
        raise exceptions.OptionsError("fingertip_ports: a port is between 1 and 65535")
    return ports


def norm(host: str) -> str:
    return host.lower().rstrip(".")


def ports_for(ports: PortMap, host: str) -> frozenset[int]:
    return ports.get(norm(host), DEFAULT_PORTS)


def allowed_targets(hosts: AddressMap, ports: PortMap) -> frozenset[tuple[str, int]]:
    """Every (address, port) the proxy may connect to: a pinned port, or the address on each allowed port."""
    return frozenset((address, port) for host, entries in hosts.items() for address, pinned in entries
                     for port in ([pinned] if pinned is not None else ports_for(ports, host)))


class HostsResolver:
    def __init__(self) -> None:
        self.hosts: AddressMap = {}
        self.ports: PortMap = {}
        self.only_family: int | None = None

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_hosts", str, "", "JSON map: host → [[address, port|null], …].")
        loader.add_option("fingertip_ports", str, "",
                          "JSON map: host → ports the app may ask for (a host not named: 80 and 443).")
        loader.add_option(
            "fingertip_only_family", int, 0, "Connect upstream only over this IP version (4 or 6); 0: any."
        )

    def configure(self, updated: set[str]) -> None:
        if "fingertip_hosts" in updated:
            self.hosts = parse_hosts(ctx.options.fingertip_hosts)
        if "fingertip_ports" in updated:
            self.ports = parse_ports(ctx.options.fingertip_ports)
        if "fingertip_only_family" in updated:
            family = ctx.options.fingertip_only_family
            if family not in (0, 4, 6):
                raise exceptions.OptionsError("fingertip_only_family must be 0, 4 or 6")
            self.only_family = family or None

    def pick(self, host: str, port: int) -> tuple[str, int] | None:
        if port not in ports_for(self.ports, host):
            return None
        for address, mapped_port in self.hosts.get(norm(host), []):
            family = 6 if ":" in address else 4
            if self.only_family and family != self.only_family:
                continue
            return address, mapped_port or port
        return None

    def targets(self) -> frozenset[tuple[str, int]]:
        return allowed_targets(self.hosts, self.ports)

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
        if (host, port) in self.targets():
            return  # already pointed at a mapped address (plain HTTP, see requestheaders)
        target = self.pick(host, port)
        if target is None:
            data.server.error = f"{host}:{port} has no address in the scenario's hosts map" + (
                f" for IPv{self.only_family}" if self.only_family else ""
            )
            return
        data.server.address = target
