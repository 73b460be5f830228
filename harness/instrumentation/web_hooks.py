"""The web hook script (web_hooks.js) with the run's secret put in: the hook sink keeps only reports signed
with it (harness/observe/hooks.py)."""

from __future__ import annotations

import re
from importlib import resources

from harness.observe.hooks import SECRET_PLACEHOLDER

HOOK_SOURCE = (resources.files("harness") / "instrumentation" / "web_hooks.js").read_text(encoding="utf-8")
SECRET_FORMAT = re.compile(r"[0-9a-f]{32,64}")


def hook_script(secret: str) -> str:
    """The script to inject for a run; `secret` is the run's (hex, from secrets.token_hex)."""
    if not SECRET_FORMAT.fullmatch(secret):
        raise ValueError("the hook secret must be 32–64 lower-case hex digits")
    return HOOK_SOURCE.replace(SECRET_PLACEHOLDER, secret)
