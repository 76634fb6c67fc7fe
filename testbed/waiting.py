"""Waiting in tests: poll for an event with a deadline that only bounds a hang."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(check: Callable[[], object], timeout: float, what: str = "the condition") -> None:
    """Return as soon as `check()` is true; AssertionError if it is not within
    `timeout` seconds (a hang, not a speed limit: generous timeouts are fine)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def stays(check: Callable[[], object], seconds: float, what: str) -> None:
    """`check()` holds on every poll for `seconds`: for what must NOT happen (a route
    deleted by a periodic job), which no event announces."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), f"{what} stopped holding"
        time.sleep(0.5)
