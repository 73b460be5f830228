"""Redaction of personal and secret data in evidence and reports (on by default).

Masks mainland mobile numbers (also +86, spaced or dashed), resident ID numbers (18 and 15 digits), bank
card numbers (Luhn-checked), e-mail addresses, JWTs anywhere, and the values of secret-like parameters and
fields (*token*, *secret*, *key*, sign, smsCode, session, auth, password — quoted values with spaces too,
cookie …). The raw capture (flows.mitm)
stays in the run folder for whoever may see it; what goes into observations, results and the
report page is masked. `--ft-no-redact` / `fingertip sweep --no-redact` turns it off locally.
"""

from __future__ import annotations

import re

PHONE = re.compile(r"(?<![\d.])(1[3-9]\d)(\d{4})(\d{4})(?![\d.])")
PHONE_WRITTEN = re.compile(r"(?<![\d.])((?:\+|00)?86[ -]?)?(1[3-9]\d)([ -])(\d{4})\3(\d{4})(?![\d.])")
"""A mobile number written in groups: `138 0013 8000`, `138-0013-8000`, with or without +86."""
PHONE_PREFIXED = re.compile(r"(?<![\d.])((?:\+|00)86[ -]?)(1[3-9]\d)(\d{4})(\d{4})(?![\d.])")
RESIDENT_ID = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
RESIDENT_ID_15 = re.compile(
    r"(?<![\dA-Za-z])(\d{6})(\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3})(?![\dA-Za-z])")
"""First-generation resident ID: area, YYMMDD, sequence (15 digits, no check digit)."""
CARD = re.compile(r"(?<![\d.])(\d{4})(?:[ -]?\d){12,15}(?![\d.])")
"""A bank card number (16–19 digits, maybe grouped): masked only when its Luhn digit is right."""
EMAIL = re.compile(r"(?i)\b([a-z0-9._%+-])[a-z0-9._%+-]*@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b")
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
SECRET_FIELD = re.compile(
    r"""(?ix)
    (["']?\b(?:[a-z_]*token[a-z_]*|[a-z_]*secret[a-z_]*|[a-z_]*(?:api|app|access|private|secret)_?key|ticket|
        session(?:id)?|sid|auth(?:orization)?|sign(?:ature)?|sms_?code|verify_?code|captcha|
        password|passwd|pwd|cookie|jsessionid)\b["']?\s*[=:]\s*["']?)
    ([^"'&\s,;}]{3,})""")
QUOTED_SECRET = re.compile(
    r"""(?ix)(["'](?:[a-z_]*password[a-z_]*|passwd|pwd|[a-z_]*secret[a-z_]*|[a-z_]*token[a-z_]*)["']\s*:\s*)"""
    r'"(?:[^"\\]|\\.)*"')
"""A quoted JSON secret, spaces and escapes included (`"password": "correct horse battery"`)."""


AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization|cookie|set-cookie)(\s*:\s*)([^\r\n\"']+)")


def luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    if not 16 <= len(digits) <= 19 or not luhn(digits):
        return m.group(0)
    return m.group(1) + " **** " + digits[-4:]


def redact(text: str) -> str:
    text = AUTH_HEADER.sub(lambda m: m.group(1) + m.group(2) + "***", text)
    text = JWT.sub("***", text)
    text = QUOTED_SECRET.sub(lambda m: m.group(1) + '"***"', text)
    text = SECRET_FIELD.sub(lambda m: m.group(1) + "***", text)
    text = RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    text = RESIDENT_ID_15.sub(lambda m: m.group(1) + "******" + m.group(3), text)
    text = CARD.sub(_card, text)
    text = EMAIL.sub(lambda m: m.group(1) + "***@" + m.group(2), text)
    text = PHONE_WRITTEN.sub(lambda m: (m.group(1) or "") + m.group(2) + m.group(3) + "****" + m.group(3)
                             + m.group(5), text)
    text = PHONE_PREFIXED.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(4), text)
    return PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
