"""Wait until a condition holds, or fail the test saying what was awaited: never return silently.

One helper for every "poll until" in the tests, so a timeout always fails with the same kind of
message (what was awaited, for how long, and the last value seen) instead of each test's own
loop deciding what to do when time runs out.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _timed_out(message: str, timeout: float, last: object) -> AssertionError:
    return AssertionError(f"timed out after {timeout:g}s waiting until {message} (last value: {last!r})")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.05,
    message: str = "the condition held",
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    Raises AssertionError naming ``message`` when ``timeout`` seconds pass first; the
    predicate is always tried once more at the deadline, so a slow machine gets its full time.
    """
    deadline = time.monotonic() + timeout
    while True:
        last_try = time.monotonic() >= deadline
        value = predicate()
        if value:
            return value
        if last_try:
            raise _timed_out(message, timeout, value)
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


async def wait_until_async(
    predicate: Callable[[], Awaitable[T]] | Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.05,
    message: str = "the condition held",
) -> T:
    """``wait_until`` for the event loop: ``predicate`` may be a plain function or a coroutine function."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        last_try = loop.time() >= deadline
        result = predicate()
        value = await result if inspect.isawaitable(result) else result
        if value:
            return value
        if last_try:
            raise _timed_out(message, timeout, value)
        await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
