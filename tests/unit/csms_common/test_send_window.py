"""The QoS 1 send window: at most the broker's Receive Maximum publishes await their PUBACK."""

from __future__ import annotations

import asyncio

from csms_common.mqtt_async import _SendWindow


def test_window_holds_the_limit_and_releases_in_order() -> None:
    async def scenario() -> list[int]:
        window = _SendWindow(limit=2)
        await window.acquire()
        await window.acquire()
        order: list[int] = []

        async def wait(index: int) -> None:
            await window.acquire()
            order.append(index)

        waiters = [asyncio.create_task(wait(index)) for index in range(3)]
        await asyncio.sleep(0)
        assert order == [], "a third publish went out with two in flight and a limit of 2"
        window.release()
        window.release()
        await asyncio.sleep(0)
        assert order == [0, 1]
        window.release()
        await asyncio.gather(*waiters)
        return order

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_a_cancelled_waiter_passes_its_wakeup_on() -> None:
    """A waiter woken by release() but cancelled before it ran must not swallow the free slot.

    That happens when a publisher's own timeout ends its wait in the same iteration as
    the release: the next waiter would then wait for a release that never comes.
    """

    async def scenario() -> bool:
        window = _SendWindow(limit=1)
        await window.acquire()
        first = asyncio.create_task(window.acquire())
        second = asyncio.create_task(window.acquire())
        await asyncio.sleep(0)
        window.release()  # wakes ``first``...
        first.cancel()  # ...which is cancelled before it runs
        await asyncio.gather(first, return_exceptions=True)
        try:
            await asyncio.wait_for(second, 1.0)
        except TimeoutError:
            return False
        return True

    assert asyncio.run(scenario()), "the free slot was lost with the cancelled waiter"
