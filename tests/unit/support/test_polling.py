"""The tests' one polling helper: returns the result, or fails saying what it waited for."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tests.support.polling import NotYet, wait_until, wait_until_async


def test_returns_the_first_result() -> None:
    calls = itertools.count(1)
    assert wait_until(lambda: (n := next(calls)) >= 3 and n, timeout=2, interval=0.001) == 3


def test_an_empty_result_is_a_result() -> None:
    assert wait_until(lambda: [], timeout=1) == []


def test_a_timeout_fails_with_the_message_and_what_was_seen() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"0\.2s waiting until the door opened; last seen: 'closed'"):
        wait_until(lambda: NotYet("closed"), timeout=0.2, interval=0.01, message="the door opened")
    assert 0.2 <= time.monotonic() - started < 2


def test_the_predicate_is_tried_once_more_at_the_deadline() -> None:
    # The interval is longer than the timeout: the only tries are the first and the one at the deadline.
    tries = itertools.count(1)
    assert wait_until(lambda: next(tries) == 2, timeout=0.05, interval=10) is True


def test_the_async_variant_takes_coroutine_and_plain_predicates() -> None:
    async def scenario() -> tuple[str, int]:
        calls = itertools.count(1)

        async def ready() -> str | None:
            return "ready" if next(calls) >= 2 else None

        return await wait_until_async(ready, 2, 0.001), await wait_until_async(lambda: 7, 1)

    assert asyncio.run(scenario()) == ("ready", 7)


def test_the_async_variant_fails_on_timeout() -> None:
    async def scenario() -> None:
        await wait_until_async(lambda: False, 0.1, 0.01, message="never")

    with pytest.raises(AssertionError, match="waiting until never; last seen: False"):
        asyncio.run(scenario())
