"""The observations of one run of one app on one device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.devices.common.crash import Crash
from harness.ui.tree import Screen


class FlowRecord(BaseModel):
    id: str
    t: float
    """Epoch seconds the request started."""
    method: str
    url: str
    host: str
    path: str
    status: int | None = None
    error: str | None = None
    refused: bool = False
    submission: str | None = None
    """`guarded`: a canary complaint answered by the proxy; `forwarded`: sent on (allowed); `held`: sent
    after the complaint began, answered by the proxy without a recognisable canary."""
    request_type: str = ""
    request_size: int = 0
    response_size: int = 0
    request_text: str = ""
    """URL and body, unwrapped (gzip, multipart, base64, URL encoding) and truncated: what checks search."""
    image_hashes: list[str] = Field(default_factory=list)
    """dHashes of the pictures the request carried."""
    server_ip: str | None = None


class ScreenVisit(BaseModel):
    t: float
    signature: str
    screen: dict[str, Any]
    screenshot: str | None = None
    """Path relative to the run folder."""

    def as_screen(self) -> Screen:
        return Screen.from_dict(self.screen)


class Action(BaseModel):
    t: float
    kind: str
    """launch · tap · type · file · back · home · step · wait · submit · complaint-withheld."""
    label: str = ""
    role: str = ""
    before: str = ""
    after: str = ""
    """Screen signatures before and after: the edges of the UI transition graph."""


class Coverage(BaseModel):
    """How much of the app the walk reached, so a reviewer can weigh a "not found" by it."""

    screens: int = 0
    """Distinct screens recorded (by signature)."""
    controls_seen: int = 0
    """Distinct controls the walk could tap (by place, role and label), on every screen it recorded."""
    controls_tried: int = 0
    tabs_seen: int = 0
    tabs_tried: int = 0
    purpose_seen: int = 0
    """Controls the articles need first: 我的 / 关于 / 设置, complaint paths, check-in / ranking / upload."""
    purpose_tried: int = 0
    unlabeled_seen: int = 0
    unlabeled_tried: int = 0
    untried: list[str] = Field(default_factory=list)
    """Labels of such needed controls that were seen but never tried (at most 20)."""
    stopped: str = ""
    """Why the walk ended: done · time · actions · plateau · hung · outside · error."""


class VideoRef(BaseModel):
    path: str
    start: float
    width: int
    height: int


class DeviceInfo(BaseModel):
    """What the device said about itself (Device.describe()); backends add their own facts (API level,
    model, ABIs, browser…), kept as they are."""

    model_config = ConfigDict(extra="allow")

    platform: str = ""
    os: str = ""
    """How the OS is named in the compatibility matrix."""
    labels: list[str] = Field(default_factory=list)
    ran_on: str | None = None
    """The equivalent device that ran this cell when its own kept failing."""


class Timing(BaseModel):
    wall_s: float = 0.0
    """The whole cell."""
    device_s: float = 0.0
    """Launching, waiting for the app and the dwell: the device's own time (wall_s / device_s = overhead)."""
    phases: dict[str, float] = Field(default_factory=dict)
    """Seconds per step: servers, recording_start, launch, explore, dwell, restore, collect, ipv6_probe,
    ipv6_only."""


class PathProbe(BaseModel):
    """One of the app's GETs asked again over IPv4 and over IPv6."""

    model_config = ConfigDict(extra="allow")

    method: str
    path: str
    v4: int | None = None
    v6: int | None = None
    v6_error: str | None = None
    same: bool = False


class Ipv6HostResult(BaseModel):
    """Per host of the app: AAAA present, and its GETs answered alike over IPv4 and IPv6 (hosts it contacted)."""

    host: str
    aaaa: bool
    a: bool
    v6_same: bool
    paths: list[PathProbe] = Field(default_factory=list)
    contacted: bool = True
    """False: a host the scenario names that the run never reached; only its AAAA record was looked up."""


class FailedRequest(BaseModel):
    method: str
    host: str
    path: str
    error: str
    screen: str = ""
    """The screen showing when it failed."""


class Ipv6OnlyPass(BaseModel):
    """The app walked again with every upstream connection over IPv6: what broke."""

    requests: int = 0
    failed: list[FailedRequest] = Field(default_factory=list)
    failing_hosts: list[str] = Field(default_factory=list)
    broken_screens: list[str] = Field(default_factory=list)
    screens: int = 0
    problems: list[str] = Field(default_factory=list)


class PackageBuild(BaseModel):
    """The package file a run installed (Android / HarmonyOS): what a reviewer's decision is tied to."""

    name: str | None = None
    version: str | None = None
    sha256: str | None = None


class HookRecord(BaseModel):
    """A hook event as observations keep it: the web hook script's (checked by the hook sink, see
    harness/observe/hooks.py) or Frida's (source `frida`: pid, api, thread, stack, sdk, caller); other fields
    are kept as they came."""

    model_config = ConfigDict(extra="allow")

    kind: str = ""
    t: float = 0.0
    """Seconds on the run clock."""
    detail: dict[str, Any] = Field(default_factory=dict)
    page: str = ""
    stack: list[str] = Field(default_factory=list)

    @field_validator("detail", mode="before")
    @classmethod
    def _no_detail(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("stack", mode="before")
    @classmethod
    def _stack_lines(cls, value: Any) -> Any:
        return [str(line) for line in value] if isinstance(value, list) else []

    def field(self, name: str, default: str = "") -> str:
        """An extra field (source, api, sdk…) as text."""
        value = (self.model_extra or {}).get(name)
        return default if value is None else str(value)


class Observations(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    app: str
    app_name: str
    device: str
    platform: str
    run_id: str
    started: float
    ended: float = 0.0
    device_info: DeviceInfo = Field(default_factory=DeviceInfo)
    package: PackageBuild | None = None
    """Android / HarmonyOS: the package file's name, version and sha256 (None: a web app, or unreadable)."""
    context: list[str] = Field(default_factory=list)
    filing_patterns: list[str] = Field(default_factory=list)
    canary_location: tuple[float, float] | None = None
    """(latitude, longitude) the device was told it is at."""
    canary_photo_hash: str | None = None
    canary_text: str = ""
    complaint_withheld: str = ""
    """A complaint form was found but the canary complaint was not filed: why (the run's traffic was not
    proven to go through the capture proxy)."""
    """The scenario's own 备案编号 patterns (Art. 5)."""
    launch_ms: float | None = None
    alive_at_end: bool | None = None
    """Did the app still answer when the walk and the dwell were over?"""
    metrics: dict[str, float] = Field(default_factory=dict)
    ipv6_hosts: list[Ipv6HostResult] = Field(default_factory=list)
    ipv6_policy: dict[str, Any] = Field(default_factory=dict)
    timing: Timing = Field(default_factory=Timing)
    ipv6_only: Ipv6OnlyPass | None = None
    video: VideoRef | None = None
    flows: list[FlowRecord] = Field(default_factory=list)
    refusals: list[dict[str, Any]] = Field(default_factory=list)
    hook_events: list[HookRecord] = Field(default_factory=list)
    screens: list[ScreenVisit] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    coverage: Coverage | None = None
    """What the walk reached: screens, controls tried / seen (None: recorded before coverage was kept)."""
    crashes: list[Crash] = Field(default_factory=list)
    """The app's crashes and ANRs from the device's logs."""
    capture: bool = True
    """The app's traffic went through the capture proxy (False: a device without a proxy route)."""
    capture_note: str = ""
    notes: list[str] = Field(default_factory=list)
    """What the device said about how it ran the app (launch state, CA trust, hooks on or off)."""
    problems: list[str] = Field(default_factory=list)
    """What went wrong while observing (proxy died, hook report lost…): reported, never dropped."""

    def video_t(self, epoch: float) -> float:
        """Seconds into the run's video (or into the run, without one) of an epoch time."""
        origin = self.video.start if self.video else self.started
        return round(max(0.0, epoch - origin), 2)

    def app_flows(self) -> list[FlowRecord]:
        return [f for f in self.flows if not f.refused]

    def save(self, folder: Path) -> Path:
        path = folder / "observations.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.model_dump_json(indent=1), encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def load(cls, folder: Path) -> Observations:
        return cls.model_validate_json((folder / "observations.json").read_text(encoding="utf-8"))
