"""Checks: pure functions from Observations to a Finding, one module per article."""

from harness.checks.base import CHECKS, Check, Evidence, Finding

__all__ = ["CHECKS", "Check", "Evidence", "Finding"]
