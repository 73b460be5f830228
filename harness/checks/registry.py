"""Importing this module registers every check (one module per article)."""

from harness.checks import compat, complaint, filing, ipv6, mandatory, monitoring, uploads
from harness.checks.base import CHECKS

__all__ = ["CHECKS", "compat", "complaint", "filing", "ipv6", "mandatory", "monitoring", "uploads"]
