"""Probing the hosts an app used over IPv4 and over IPv6, each at the addresses the run used.

Only GET requests the app itself made are repeated (never a POST: a probe must not submit
anything twice), straight to each address with the app's Host / SNI, and the answers compared.
A request that carried the run's canary, or that the submission guard answered, is never repeated:
these probes do not pass the guard. A host the app only POSTed to gets a HEAD / instead, which
changes nothing by HTTP's rules.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harness.capture.canary_match import CanaryMatcher
from harness.observe.bounded import Budget, BudgetExceeded
from harness.observe.model import FlowRecord

MAX_PATHS_PER_HOST = 5
TIMEOUT_S = 5.0
AddressMap = dict[str, list[tuple[str, int | None]]]


@dataclass
class Answer:
    status: int | None
    digest: str | None = None
    error: str | None = None


@dataclass
class HostProbe:
    host: str
    aaaa: bool
    a: bool
    paths: list[dict[str, object]] = field(default_factory=list)
    contacted: bool = True

    @property
    def v6_same(self) -> bool:
        """Every probed path that answered over IPv4 answered over IPv6 alike. A path IPv4 did not answer either
        (the server gone, a request that cannot be repeated) says nothing about IPv6."""
        return self.aaaa and bool(self.paths) and all(p["same"] for p in self.paths if p["v4"] is not None)

    def to_dict(self) -> dict[str, object]:
        return {"host": self.host, "aaaa": self.aaaa, "a": self.a, "v6_same": self.v6_same, "paths": self.paths,
                "contacted": self.contacted}


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a given address while presenting the app's host name (SNI, certificate check)."""

    def __init__(self, address: str, port: int, server_name: str, context: ssl.SSLContext) -> None:
        super().__init__(address, port, timeout=TIMEOUT_S, context=context)
        self._server_name = server_name
        self._context = context

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self._server_name)


def fetch(scheme: str, address: str, port: int, host: str, path: str, ca: Path | None,
          method: str = "GET") -> Answer:
    connection: http.client.HTTPConnection
    if scheme == "https":
        context = ssl.create_default_context(cafile=str(ca) if ca else None)
        connection = _PinnedHTTPS(address, port, host, context)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_S)
    try:
        connection.request(method, path, headers={"Host": host, "User-Agent": "Fingertip IPv6 probe"})
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, hashlib.sha256(body).hexdigest()[:16])
    except (OSError, http.client.HTTPException, ssl.SSLError) as e:
        return Answer(None, error=f"{type(e).__name__}: {e}"[:200])
    finally:
        connection.close()


def has_aaaa(host: str, resolver: str) -> bool:
    """An AAAA record for `host` from a real resolver (`system`, or `IP[:port]` of a name server)."""
    import dns.exception
    import dns.resolver

    client = dns.resolver.Resolver(configure=resolver == "system")
    if resolver != "system":
        address, _, port = resolver.rpartition(":") if resolver.count(":") == 1 else (resolver, "", "")
        client.nameservers, client.port = [address], int(port or 53)
    client.lifetime = TIMEOUT_S
    try:
        return len(client.resolve(host, "AAAA", search=False)) > 0
    except dns.exception.DNSException:
        return False


def repeatable(flow: FlowRecord, canary: str) -> bool:
    """A GET that may be sent again: it did not carry the canary (as far as the guard or its text shows)."""
    if flow.method != "GET" or flow.submission is not None:
        return False
    if not canary:
        return True
    try:
        return not CanaryMatcher(canary).found_in(f"{flow.url}\n{flow.request_text}".encode(), Budget())
    except BudgetExceeded:
        return False


def probe(flows: list[FlowRecord], addresses: AddressMap, ca: Path | None = None,
          resolver: str | None = None, canary: str = "") -> list[HostProbe]:
    results = []
    for host in sorted({f.host for f in flows if not f.refused and f.host in addresses}):
        entries = addresses[host]
        v4 = next(((a, p) for a, p in entries if ":" not in a), None)
        v6 = next(((a, p) for a, p in entries if ":" in a), None)
        aaaa = has_aaaa(host, resolver) if resolver else v6 is not None
        result = HostProbe(host, aaaa=aaaa, a=v4 is not None)
        targets: list[tuple[str, str, int, str]] = []
        for flow in flows:
            if flow.host != host:
                continue
            parts = urlsplit(flow.url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            method, path = ("GET", flow.path) if repeatable(flow, canary) else ("HEAD", "/")
            target = (method, parts.scheme, port, path)
            if target not in targets:
                targets.append(target)
        gets = [t for t in targets if t[0] == "GET"][:MAX_PATHS_PER_HOST]
        for method, scheme, port, path in gets or targets[:1]:
            answers = {}
            for family, entry in (("v4", v4), ("v6", v6)):
                if entry is None:
                    answers[family] = Answer(None, error="no address")
                else:
                    answers[family] = fetch(scheme, entry[0], entry[1] or port, host, path, ca, method)
            # Same status is the same answer; bodies may carry times or tokens, so they only inform.
            same = answers["v6"].status is not None and answers["v6"].status == answers["v4"].status
            result.paths.append({"method": method, "path": path, "v4": answers["v4"].status,
                                 "v6": answers["v6"].status, "v6_error": answers["v6"].error, "same": same,
                                 "same_body": answers["v6"].digest == answers["v4"].digest})
        results.append(result)
    # The scenario names every host of the app: one the walk never reached (an upload host behind a form the
    # harness does not submit) still needs its AAAA record. Nothing is sent to it.
    contacted = {r.host for r in results}
    for host in sorted(set(addresses) - contacted):
        entries = addresses[host]
        aaaa = has_aaaa(host, resolver) if resolver else any(":" in a for a, _ in entries)
        results.append(HostProbe(host, aaaa=aaaa, a=any(":" not in a for a, _ in entries), contacted=False))
    return results
