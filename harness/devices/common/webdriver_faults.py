"""Whose fault a failed WebDriver command was (web and Android both drive the app through Appium): told by
the exception's type and a health probe of the session, never by its message — a page or an app controls
the text of its own errors and can write "invalid session id" into one on purpose."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import urllib3
from selenium.common.exceptions import (
    InvalidSessionIdException,
    JavascriptException,
    TimeoutException,
    WebDriverException,
)

from harness.errors import AppHung, DeviceLost, UiError

APP_CAUSED = (JavascriptException, TimeoutException)
"""What the app itself caused (its script threw, it hung): never a sign that the session is gone."""


@contextlib.contextmanager
def classified(device_id: str, what: str, healthy: Callable[[], bool]) -> Iterator[None]:
    """Run WebDriver commands; a failure leaves as DeviceLost (the session, its driver or Appium is gone)
    or UiError (the app did not do what the action needed)."""
    try:
        yield
    except (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError) as e:
        # Appium took the command but gave no answer in the client's bounded time: the page (or what runs it)
        # hangs. Appium serialises a session's commands, so no probe can tell more until it is thrown away.
        reason = e.reason if isinstance(e, urllib3.exceptions.MaxRetryError) else e
        if not isinstance(reason, urllib3.exceptions.ReadTimeoutError):
            raise DeviceLost(device_id, f"{what}: Appium does not answer: {type(reason).__name__}") from e
        raise AppHung(device_id, f"{what}: no answer within the command's bounded time") from e
    except (OSError, urllib3.exceptions.HTTPError) as e:  # Appium itself does not answer
        raise DeviceLost(device_id, f"{what}: Appium does not answer: {type(e).__name__}") from e
    except InvalidSessionIdException as e:
        raise DeviceLost(device_id, f"{what}: the automation session is gone") from e
    except APP_CAUSED as e:
        raise UiError(device_id, f"{what}: {type(e).__name__} {first_line(e)}".rstrip()) from e
    except WebDriverException as e:
        if not healthy():
            raise DeviceLost(device_id, f"{what}: the browser, its driver or the device is gone") from e
        raise UiError(device_id, f"{what}: {type(e).__name__} {first_line(e)}".rstrip()) from e


def first_line(error: WebDriverException) -> str:
    """The message's first line, bounded: it names the cause (net::ERR_…) and is only ever shown, never
    used to decide anything."""
    return "".join((error.msg or "").strip().splitlines()[:1])[:200]
