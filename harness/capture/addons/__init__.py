"""mitmproxy addons, one per file, in the order mitmproxy must run them.

The hook sink answers the harness's own hook reports first; the egress guard refuses every host
and port the scenario does not name before anything connects; the body guard keeps compressed
bodies within a budget; the submission guard answers capture probes and test complaints locally;
the resolver maps the allowed names to the scenario's addresses (no DNS);
the recorder writes what is left.
"""

from harness.capture.addons.body_guard import BodyGuard
from harness.capture.addons.egress_guard import EgressGuard
from harness.capture.addons.hook_sink import HookSink
from harness.capture.addons.ready import Ready
from harness.capture.addons.recorder import Recorder
from harness.capture.addons.resolver import HostsResolver
from harness.capture.addons.submission_guard import SubmissionGuard


def default_addons() -> list[object]:
    return [Ready(), HookSink(), EgressGuard(), BodyGuard(), SubmissionGuard(), HostsResolver(), Recorder()]


__all__ = ["BodyGuard", "EgressGuard", "HookSink", "HostsResolver", "Ready", "Recorder", "SubmissionGuard",
           "default_addons"]
