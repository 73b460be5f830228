"""Tells the harness where the proxy listens, once it really listens."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from mitmproxy import ctx
from mitmproxy.addonmanager import Loader


class Ready:
    def load(self, loader: Loader) -> None:
        loader.add_option(
            "fingertip_ready", str, "", "File to write the proxy's listen addresses to (JSON) once it listens."
        )

    async def running(self) -> None:
        path = ctx.options.fingertip_ready
        if not path:
            return
        server = ctx.master.addons.get("proxyserver")
        for _ in range(500):  # servers start in the background after configure
            addrs = server.listen_addrs()
            if addrs:
                break
            await asyncio.sleep(0.01)
        temporary = Path(path + ".tmp")
        temporary.write_text(json.dumps({"listen": [list(a[:2]) for a in addrs], "pid": os.getpid()}))
        temporary.replace(path)
