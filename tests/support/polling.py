"""Wait until a condition holds, or fail the test saying what was awaited: never return silently.

One helper for every "poll until" in the tests, so a timeout always fails the same way, with
what was awaited, for how long and what was last seen, instead of each test's own loop deciding
what to do when time runs out. A predicate returns its result when the condition holds, and
``None``, ``False`` or ``NotYet(what_it_saw)`` (shown on timeout) while it does not; any other
value, even an empty list, is a result.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class NotYet:
    """A predicate's "not yet", carrying what it saw instead (shown if the wait times out)."""

    seen: object

    def __bool__(self) -> bool:
        return False


def _pending(value: object) -> bool:
    return value is None or value is False or isinstance(value, NotYet)


def _timed_out(message: str, timeout: float, last: object) -> AssertionError:
    seen = last.seen if isinstance(last, NotYet) else last
    return AssertionError(f"timed out after {timeout:g}s waiting until {message}; last seen: {seen!r}")


def wait_until(
    predicate: Callable[[], T | NotYet | None],
    timeout: float = 5.0,
    interval: float = 0.05,
    message: str = "the condition held",
) -> T:
    """Call ``predicate`` until it returns a result (not None, False or NotYet), and return that.

    Raises AssertionError naming ``message`` when ``timeout`` seconds pass first; the
    predicate is always tried once more at the deadline, so a slow machine gets its full time.
    """
    deadline = time.monotonic() + timeout
    while True:
        last_try = time.monotonic() >= deadline
        value = predicate()
        if not _pending(value):
            return value  # type: ignore[return-value]
        if last_try:
            raise _timed_out(message, timeout, value)
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


async def wait_until_async(
    predicate: Callable[[], Awaitable[T | NotYet | None]] | Callable[[], T | NotYet | None],
    timeout: float = 5.0,
    interval: float = 0.05,
    message: str = "the condition held",
) -> T:
    """``wait_until`` for the event loop: ``predicate`` may be a plain or a coroutine function."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        last_try = loop.time() >= deadline
        result = predicate()
        value = await result if inspect.isawaitable(result) else result
        if not _pending(value):
            return value  # type: ignore[return-value]
        if last_try:
            raise _timed_out(message, timeout, value)
        await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
