"""Recorder: every finished app flow (and every refused one) into the run's flow file.

Serialising a flow costs as much as proxying it, so it happens just after the response has gone
back to the app (a few milliseconds later, in a batch), not on the request's path. The file is
flushed after every batch and drained when the proxy stops: nothing finished is lost.
"""

from __future__ import annotations

import asyncio
from typing import BinaryIO

from mitmproxy import ctx, http, io
from mitmproxy.addonmanager import Loader

from harness.capture.addons.common import INTERNAL

WRITE_DELAY_S = 0.005


class Recorder:
    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._writer: io.FlowWriter | None = None
        self._pending: list[http.HTTPFlow] = []
        self._scheduled = False
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
        self._pending.append(flow)
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_later(WRITE_DELAY_S, self.write_pending)
            except RuntimeError:  # no loop (tests drive the addon directly): write now
                self.write_pending()

    def write_pending(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        if self._writer is None or self._file is None:
            return
        for flow in pending:
            self._writer.add(flow)
            self.count += 1
        self._file.flush()  # a crash of the proxy must not take finished flows with it

    def response(self, flow: http.HTTPFlow) -> None:
        self._save(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._save(flow)

    def done(self) -> None:
        self.write_pending()
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
