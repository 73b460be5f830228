"""scenarios/*.yaml: one candidate app each, parsed once into a Scenario."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from harness.config.yamlsrc import beside_config, load_yaml, safe_id, validate
from harness.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVE_ROOTS = (PROJECT_ROOT / "samples", PROJECT_ROOT / "corpus")
"""`serve:` runs the folder's app.py on this machine: only the project's own sample and corpus backends,
unless --allow-serve-anywhere (pytest: --ft-allow-serve-anywhere) says otherwise."""
MAX_WAIT_S = 120.0
"""Longest scripted `wait` step: a scenario cannot hold a device for hours."""
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
Platform = Literal["web", "android", "harmony"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CanaryLocation(_Strict):
    """A made-up position set on the device; finding it in traffic proves a location upload."""

    latitude: Annotated[float, Field(ge=-90, le=90)] = 31.2304721
    longitude: Annotated[float, Field(ge=-180, le=180)] = 121.4737416


class Canaries(_Strict):
    location: CanaryLocation = Field(default_factory=CanaryLocation)
    text: str = "指尖检测金丝雀"
    """Unique text typed into forms (complaints) so it can be traced through tracking pages."""


class Explore(_Strict):
    budget_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    max_actions: Annotated[int, Field(ge=1, le=2000)] = 60
    max_depth: Annotated[int, Field(ge=1, le=20)] = 5
    settle_s: Annotated[float, Field(ge=0, le=30)] = 3.0
    """Longest wait after an action for the app to go idle (it usually does much sooner)."""
    dwell_s: Annotated[float, Field(ge=0, le=600)] = 8.0
    """Stay on the app after exploring, so periodic heartbeats have time to show."""
    linger_s: Annotated[float, Field(ge=0, le=120)] = 21.0
    """Stay where a tap made the app start following the device's position (开始值班, a form that tracks while
    open) this long, once per run and within the budget: long enough for a track sent every 10 s to show twice,
    and shorter than a person takes to fill the form. 0: never."""


class Filing(_Strict):
    """Art. 5: how this app's filing number looks. The regulation's 备案编号 format is not published,
    so the patterns are configurable; MIIT ICP filings are recognised always."""

    patterns: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"{pattern!r} is not a regular expression: {e}") from None
        return value


class Ipv6Policy(_Strict):
    every_host: bool = True
    """Every host the app contacted must work over IPv6."""
    min_request_share: Annotated[float, Field(ge=0, le=1)] = 0.7
    """Share of the app's requests that must go to hosts working over IPv6 (Shanghai 2023: 70 %)."""
    resolver: str | None = None
    """Where AAAA records come from: None = the hosts map (tests, samples); `system` = this machine's
    resolver; `IP` or `IP:port` = that name server (farms checking real government hosts)."""
    only_pass_s: Annotated[float, Field(ge=0, le=3600)] = 20.0
    """A second, shorter walk with upstream connections over IPv6 only, to show what breaks; 0 skips it."""


class ComplaintPolicy(_Strict):
    allow_real_submission: bool = False
    """Let the canary complaint reach the app's server. Only for servers you own (the samples):
    otherwise the proxy answers it, and tracking cannot be proven."""


class Step(_Strict):
    """A scripted step, run before exploration: exactly one of tap / type / wait / back."""

    tap: str | None = None
    type: dict[str, str] | None = None
    wait: Annotated[float, Field(ge=0, le=MAX_WAIT_S)] | None = None
    back: bool | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        given = [k for k in ("tap", "type", "wait", "back") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a step has exactly one of tap, type, wait, back")
        if self.type is not None and set(self.type) != {"into", "text"}:
            raise ValueError("type: needs `into` (control text or hint) and `text`")
        return self


class Scenario(_Strict):
    path: Path
    id: str
    name: str
    platform: Platform
    entry: str
    hosts: dict[str, tuple[str, ...]]
    """Host name → addresses the harness connects to (never looked up in DNS)."""
    host_ports: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    """Host name → the only ports the app may ask for it on, from pins in `hosts` (`host:port` keys, or
    `{addresses: […], ports: […]}` entries); a host without a pin: the entry's port, 80 and 443."""
    serve: Path | None = None
    """A bundled sample backend (folder with app.py) the harness serves for this run."""
    upstream_ca: Path | None = None
    """PEM file of the CA that signs the app's own servers when it is not a public one (staging)."""
    context: tuple[Literal["安保", "应急"], ...] = ()
    """Declared safety / emergency scenes: turn Art. 14(2) fails into review."""
    canaries: Canaries = Field(default_factory=Canaries)
    filing: Filing = Field(default_factory=Filing)
    ipv6: Ipv6Policy = Field(default_factory=Ipv6Policy)
    complaint: ComplaintPolicy = Field(default_factory=ComplaintPolicy)
    explore: Explore = Field(default_factory=Explore)
    steps: tuple[Step, ...] = ()

    _id_is_safe = field_validator("id")(safe_id)

    @model_validator(mode="before")
    @classmethod
    def _port_pins(cls, data: Any) -> Any:
        """`host:port` keys and `{addresses, ports}` entries → plain `hosts` plus `host_ports`."""
        if not isinstance(data, dict) or not isinstance(data.get("hosts"), dict):
            return data
        hosts: dict[Any, list[Any]] = {}
        pins: dict[Any, set[int]] = {}
        for key, value in data["hosts"].items():
            name = key
            if isinstance(key, str) and ":" in key:
                name, _, port = key.rpartition(":")
                if not port.isdigit() or not 0 < int(port) < 65536:
                    raise ValueError(f"hosts: {key!r}: a pinned port is a number from 1 to 65535")
                pins.setdefault(name, set()).add(int(port))
            if isinstance(value, dict):
                if set(value) - {"addresses", "ports"} or not isinstance(value.get("ports", []), list):
                    raise ValueError(f"hosts: {key}: an entry is {{addresses: [...], ports: [...]}}")
                for port in value.get("ports", []):
                    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                        raise ValueError(f"hosts: {key}: {port!r} is not a port from 1 to 65535")
                    pins.setdefault(name, set()).add(port)
                value = value.get("addresses")
            if not isinstance(value, list):
                hosts[name] = value  # the field validator says what is wrong with it
                continue
            hosts.setdefault(name, []).extend(a for a in value if a not in hosts.get(name, []))
        return {**data, "hosts": hosts, "host_ports": {h: tuple(sorted(p)) for h, p in pins.items()}}

    @field_validator("hosts", mode="before")
    @classmethod
    def _hosts_shape(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValueError("hosts maps each host name the app uses to a list of addresses")
        for host, addresses in value.items():
            if not isinstance(host, str) or not HOST_NAME.match(host):
                raise ValueError(f"{host!r} is not a lower-case host name")
            if not isinstance(addresses, list) or not addresses:
                raise ValueError(f"{host}: give a list of addresses, e.g. [127.0.0.1, '::1']")
            for address in addresses:
                try:
                    ipaddress.ip_address(str(address))
                except ValueError:
                    raise ValueError(f"{host}: {address!r} is not an IPv4 or IPv6 address") from None
        return {host: tuple(str(ipaddress.ip_address(str(a))) for a in addrs) for host, addrs in value.items()}

    @field_validator("upstream_ca", mode="after")
    @classmethod
    def _ca_exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        resolved = beside_config(value, info)
        if not resolved.is_file():
            raise ValueError(f"{resolved} does not exist")
        return resolved

    @field_validator("serve", mode="after")
    @classmethod
    def _serve_exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        resolved = beside_config(value, info)
        if not (resolved / "app.py").is_file():
            raise ValueError(f"{resolved} has no app.py (a sample backend)")
        anywhere = bool(info.context and info.context.get("allow_serve_anywhere"))
        if not anywhere and not any(resolved.is_relative_to(root) for root in SERVE_ROOTS):
            raise ValueError(f"{resolved} is outside the project's samples/ and corpus/: its app.py would run "
                             "on this machine (allow it with --allow-serve-anywhere)")
        return resolved

    @model_validator(mode="after")
    def _entry_fits_platform(self) -> Scenario:
        if self.platform == "web":
            parts = urlsplit(self.entry)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"entry: a web app's entry is an http(s) URL, not {self.entry!r}")
            if parts.hostname not in self.hosts:
                raise ValueError(f"entry: host {parts.hostname!r} is missing from hosts")
        else:
            suffixes = {"android": (".apk",), "harmony": (".hap", ".app")}[self.platform]
            if not self.entry.endswith(suffixes):
                raise ValueError(f"entry: a {self.platform} app's entry is a {'/'.join(suffixes)} path")
        return self

    def ports_for(self, host: str) -> tuple[int, ...]:
        """The ports the app may ask for `host` on: its pins, or the entry's port, 80 and 443."""
        if host in self.host_ports:
            return self.host_ports[host]
        entry_port = urlsplit(self.entry).port if self.platform == "web" else None
        return tuple(sorted({80, 443} | ({entry_port} if entry_port else set())))

    def families(self, host: str) -> set[int]:
        """IP versions (4, 6) the hosts map gives `host`: a stand-in for its A / AAAA records."""
        return {ipaddress.ip_address(a).version for a in self.hosts.get(host, ())}

    def entry_path(self) -> Path:
        """For android / harmony: the package file, relative to the scenario file."""
        return (self.path.parent / self.entry).resolve()


def parse_scenario(data: Any, path: Path, lines: dict, allow_serve_anywhere: bool = False) -> Scenario:
    if not isinstance(data, dict):
        raise ConfigError(path, 1, "a scenario is a mapping (id, name, platform, entry, hosts, …)")
    return validate(Scenario, {**data, "path": path}, path, lines, allow_serve_anywhere=allow_serve_anywhere)


def load_scenario(path: Path | str, allow_serve_anywhere: bool = False) -> Scenario:
    path = Path(path)
    data, lines = load_yaml(path)
    return parse_scenario(data, path, lines, allow_serve_anywhere)


def scenario_files(targets: list[Path]) -> list[Path]:
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files.extend(sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml")))
        elif target.is_file():
            files.append(target)
        else:
            raise ConfigError(target, None, "no such scenario file or folder")
    return files


def load_scenarios(targets: list[Path], allow_serve_anywhere: bool = False) -> list[Scenario]:
    scenarios = [load_scenario(p, allow_serve_anywhere) for p in scenario_files(targets)]
    seen: dict[str, Path] = {}
    for scenario in scenarios:
        if scenario.id in seen:
            raise ConfigError(scenario.path, None, f"scenario id {scenario.id!r} is also used by {seen[scenario.id]}")
        seen[scenario.id] = scenario.path
    return scenarios
