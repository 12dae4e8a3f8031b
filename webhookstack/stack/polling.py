"""Polling with a deadline: boto3's waiters sleep a whole second per try, which alone
would double the time to a provisioned stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(Exception):
    pass


def wait_until(
    probe: Callable[[], T | None], what: str, timeout: float = 60.0, first: float = 0.02, most: float = 0.5
) -> T:
    """Call probe until it returns something truthy; back off from `first` to `most` seconds."""
    deadline = time.monotonic() + timeout
    delay = first
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, most)
