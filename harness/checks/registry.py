"""Importing this module registers every check (one module per article)."""

from harness.checks import complaint, filing, mandatory, uploads
from harness.checks.base import CHECKS

__all__ = ["CHECKS", "complaint", "filing", "mandatory", "uploads"]
