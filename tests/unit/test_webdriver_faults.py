"""A failed WebDriver command is told apart by its type and a health probe, never by its text."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import (
    InvalidSessionIdException,
    JavascriptException,
    NoSuchElementException,
    TimeoutException,
    WebDriverException,
)

from harness.devices.common.webdriver_faults import classified
from harness.errors import DeviceLost, UiError


def raise_in(error: Exception, healthy: bool) -> Exception:
    with pytest.raises((DeviceLost, UiError)) as caught, classified("web-1", "snapshot", lambda: healthy):
        raise error
    return caught.value


@pytest.mark.parametrize("message", ["invalid session id", "chrome not reachable", "session deleted because of "
                                     "page crash", "disconnected: not connected to DevTools"])
def test_a_page_that_throws_session_words_is_the_apps_problem(message: str) -> None:
    # The page's own script threw (or hung) with a message made to look like a lost browser.
    assert isinstance(raise_in(JavascriptException(f"javascript error: {message}"), healthy=True), UiError)
    assert isinstance(raise_in(TimeoutException(message), healthy=False), UiError)


def test_a_generic_failure_is_device_loss_only_when_the_probe_fails() -> None:
    assert isinstance(raise_in(WebDriverException("chrome not reachable"), healthy=False), DeviceLost)
    assert isinstance(raise_in(WebDriverException("invalid session id"), healthy=True), UiError)
    assert isinstance(raise_in(NoSuchElementException("gone"), healthy=True), UiError)


def test_a_session_the_driver_no_longer_knows_or_an_appium_that_does_not_answer_is_lost() -> None:
    assert isinstance(raise_in(InvalidSessionIdException("whatever"), healthy=True), DeviceLost)
    assert isinstance(raise_in(ConnectionRefusedError(111, "refused"), healthy=True), DeviceLost)


def test_a_command_that_gets_no_answer_in_time_is_a_hung_app_not_a_lost_device() -> None:
    import urllib3

    from harness.errors import AppHung

    timeout = urllib3.exceptions.ReadTimeoutError(None, "/session/1/execute/sync", "Read timed out.")  # type: ignore[arg-type]
    assert isinstance(raise_in(timeout, healthy=False), AppHung)
    retried = urllib3.exceptions.MaxRetryError(None, "/session/1/window/handles", timeout)  # type: ignore[arg-type]
    assert isinstance(raise_in(retried, healthy=False), AppHung)
    refused = urllib3.exceptions.MaxRetryError(None, "/status", ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]
    assert isinstance(raise_in(refused, healthy=True), DeviceLost)
