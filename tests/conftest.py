"""Shared fixtures: the project's folders, and the opt-in for tests that need a real farm."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ft-real-farm", default=None,
                     help="a device_farm.yaml with real Android / HarmonyOS devices: runs tests/device/")
    parser.addoption("--ft-real-scenarios", default=None, help="scenarios for the real-farm sweep (default: scenarios)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--ft-real-farm"):
        return
    skip = pytest.mark.skip(reason="needs a real farm: pass --ft-real-farm device_farm.yaml")
    for item in items:
        if "device" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def data() -> Path:
    return DATA
