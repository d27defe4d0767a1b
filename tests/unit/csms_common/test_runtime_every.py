"""csms_common.runtime.every: a timer loop's ticks, and its end as soon as the service stops."""

from __future__ import annotations

import asyncio

from csms_common.runtime import every


def test_it_ticks_after_each_interval_until_stopped() -> None:
    async def scenario() -> int:
        stopping = asyncio.Event()
        ticks = 0
        async for _ in every(0.001, stopping):
            ticks += 1
            if ticks == 3:
                stopping.set()
        return ticks

    assert asyncio.run(asyncio.wait_for(scenario(), 5)) == 3


def test_a_stop_during_the_wait_ends_it_without_another_tick() -> None:
    async def scenario() -> tuple[int, float]:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, stopping.set)
        started = loop.time()
        ticks = 0
        async for _ in every(60, stopping):
            ticks += 1
        return ticks, loop.time() - started

    ticks, took = asyncio.run(scenario())
    assert ticks == 0
    assert took < 5, f"it waited {took:.1f} s for a stop set after 0.05 s"


def test_nothing_runs_once_stopped() -> None:
    async def scenario() -> int:
        stopping = asyncio.Event()
        stopping.set()
        return len([tick async for tick in every(0, stopping)])

    assert asyncio.run(scenario()) == 0
