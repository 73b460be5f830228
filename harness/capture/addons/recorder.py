"""Recorder: every finished app flow (and every refused one) into the run's flow file."""

from __future__ import annotations

from typing import BinaryIO

from mitmproxy import ctx, http, io
from mitmproxy.addonmanager import Loader

from harness.capture.addons.common import INTERNAL


class Recorder:
    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._writer: io.FlowWriter | None = None
        self.count = 0

    def load(self, loader: Loader) -> None:
        loader.add_option("fingertip_flows", str, "", "mitmproxy flow file the run's flows are written to.")

    def configure(self, updated: set[str]) -> None:
        if "fingertip_flows" in updated:
            self.done()
            path = ctx.options.fingertip_flows
            if path:
                self._file = open(path, "ab")  # noqa: SIM115 - kept open for the run
                self._writer = io.FlowWriter(self._file)

    def _save(self, flow: http.HTTPFlow) -> None:
        if self._writer is None or flow.metadata.get(INTERNAL) or flow.metadata.get("fingertip.saved"):
            return
        flow.metadata["fingertip.saved"] = True
        self._writer.add(flow)
        assert self._file is not None
        self._file.flush()  # a crash of the proxy must not take finished flows with it
        self.count += 1

    def response(self, flow: http.HTTPFlow) -> None:
        self._save(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._save(flow)

    def done(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
