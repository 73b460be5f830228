"""What an install attempt answered, on any platform: parsed by each backend's output module."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InstallOutcome:
    ok: bool
    reason: str = ""
    """Android: INSTALL_FAILED_* / INSTALL_PARSE_FAILED_* (EXCEPTION when pm itself threw); HarmonyOS: the
    error code hdc printed; UNKNOWN when the output said neither."""
    message: str = ""
