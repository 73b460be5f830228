"""Whether this run may file the canary complaint: only when its traffic is proven to go through the
capture proxy, so the submission guard stands between the complaint and a real government server.

The proof is a probe: the device sends a request with a fresh random token along the app's own network
path to a made-up host; the proxy answers it, logs the token and arms the submission guard. A device
that cannot send one (no `probe_capture`), whose traffic bypasses the proxy (LaunchInfo.capture False:
HarmonyOS `proxy: none`, …) or whose probe the proxy never saw does not get the complaint filed; the
reason goes into the observations and Art. 18 becomes review.
"""

from __future__ import annotations

import secrets
from typing import Protocol, runtime_checkable

from harness.capture.proxy import CaptureProxy
from harness.devices.protocol import LaunchInfo
from harness.errors import UiError


@runtime_checkable
class CaptureProbing(Protocol):
    def probe_capture(self, url: str) -> None:
        """Fetch `url` (plain http; the device may switch to https to match the app) along the app's own
        network path. Raises UiError when the app's context refused to send it."""
        ...


class ComplaintGate:
    def __init__(self, device: object, proxy: CaptureProxy, launch: LaunchInfo) -> None:
        self.device = device
        self.proxy = proxy
        self.launch = launch

    def __call__(self) -> str:
        """"" when the complaint may be filed (the guard is then armed); otherwise why not, for reviewers."""
        if not self.launch.capture:
            why = self.launch.capture_note or "设备未配置代理"
            return f"本次运行的流量未经过采集代理（{why}），不提交测试诉求"
        if not isinstance(self.device, CaptureProbing):
            return "该设备无法发出采集代理探测请求，不能证明应用流量经过代理，不提交测试诉求"
        token = secrets.token_hex(16)
        try:
            self.device.probe_capture(self.proxy.probe_url(token))
        except UiError as e:
            return f"采集代理探测请求未能发出（{e}），不能证明应用流量经过代理，不提交测试诉求"
        if not self.proxy.saw_probe(token):
            return "设备发出的探测请求未到达采集代理，不能证明应用流量经过代理，不提交测试诉求"
        return ""
