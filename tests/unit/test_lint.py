"""The code stays ruff-clean and type-checks: CI runs the same tools the developers do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=root, capture_output=True, text=True, timeout=600)


def test_ruff(root: Path) -> None:
    result = run(root, "ruff", "check", "harness", "samples", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy(root: Path) -> None:
    result = run(root, "mypy", "harness")
    assert result.returncode == 0, result.stdout + result.stderr
