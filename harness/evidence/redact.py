"""Redaction of personal and secret data in evidence and reports (on by default).

Masks mainland mobile numbers, 18-digit resident ID numbers, and the values of token-like
parameters and fields (token, session, auth, password, cookie …). The raw capture (flows.mitm)
stays in the run folder for whoever may see it; what goes into observations, results and the
report page is masked. `--ft-no-redact` / `fingertip sweep --no-redact` turns it off locally.
"""

from __future__ import annotations

import re

PHONE = re.compile(r"(?<![\d.])(1[3-9]\d)(\d{4})(\d{4})(?![\d.])")
RESIDENT_ID = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
SECRET_FIELD = re.compile(
    r"""(?ix)
    (["']?\b(?:access_?token|refresh_?token|token|ticket|session(?:id)?|sid|auth(?:orization)?|
        password|passwd|pwd|secret|api_?key|cookie|jsessionid)\b["']?\s*[=:]\s*["']?)
    ([^"'&\s,;}]{3,})""")


AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie)(\s*:\s*)([^\r\n\"']+)")


def redact(text: str) -> str:
    text = AUTH_HEADER.sub(lambda m: m.group(1) + m.group(2) + "***", text)
    text = SECRET_FIELD.sub(lambda m: m.group(1) + "***", text)
    text = RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    return PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
