"""A shadow replica that cannot reach Redis leaves the shared requests, and takes them again after."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from csms_shadow.storage.redis_watch import RedisWatch


class Pings:
    """Scripted ping outcomes: True answers, an exception fails, "hang" never answers."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.changes: list[str] = []

    async def ping(self) -> object:
        outcome = self.outcomes.pop(0)
        if outcome == "hang":
            await asyncio.Event().wait()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def leave(self) -> None:
        self.changes.append("leave")

    async def rejoin(self) -> None:
        self.changes.append("rejoin")

    def watch(self) -> RedisWatch:
        return RedisWatch(self.ping, self.leave, self.rejoin, timeout=0.01, failures_to_leave=2)


async def checks(pings: Pings, count: int) -> list[bool]:
    watch = pings.watch()
    away = []
    for _ in range(count):
        await watch.check()
        away.append(watch.away)
    return away


@pytest.mark.parametrize(
    ("outcomes", "away", "changes"),
    [
        # Redis there all along: nothing changes.
        ((True, True, True), [False, False, False], []),
        # One slow ping is no partition.
        (("hang", True, "hang", True), [False, False, False, False], []),
        # Two failed pings in a row (a timeout, a refused connection): left; one good ping: back.
        (("hang", RedisConnectionError("refused"), True), [False, True, False], ["leave", "rejoin"]),
        # Left once, not again for every further failure.
        (
            (OSError("unreachable"), "hang", "hang", "hang", True),
            [False, True, True, True, False],
            ["leave", "rejoin"],
        ),
    ],
)
def test_leaves_after_two_failed_pings_and_rejoins_after_one_good(
    outcomes: tuple[object, ...], away: list[bool], changes: list[str]
) -> None:
    pings = Pings(*outcomes)
    assert asyncio.run(checks(pings, len(outcomes))) == away
    assert pings.changes == changes


def test_run_stops_when_told() -> None:
    pings = Pings(*([True] * 100))

    async def scenario() -> None:
        stopping = asyncio.Event()
        watch = pings.watch()
        watch.interval = 0.001
        task = asyncio.create_task(watch.run(stopping))
        await asyncio.sleep(0.02)
        stopping.set()
        await asyncio.wait_for(task, 1)

    asyncio.run(scenario())
    assert pings.changes == []
    assert len(pings.outcomes) < 100  # it pinged
