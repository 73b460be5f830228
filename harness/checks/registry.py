"""Importing this module registers every check (one module per article)."""

from harness.checks import compat, complaint, filing, ipv6, mandatory, monitoring, uploads
from harness.checks.base import CHECKS, Check

__all__ = ["CHECKS", "checks_for", "compat", "complaint", "filing", "ipv6", "mandatory", "monitoring", "uploads"]


def checks_for(platform: str) -> list[Check]:
    """The checks that judge apps of `platform`, in registry order."""
    return [c for c in CHECKS.values() if platform in c.platforms]
