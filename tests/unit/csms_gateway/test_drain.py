"""Draining a gateway: closes spread over half the period, each once idle, all within the period."""

from __future__ import annotations

import asyncio

import pytest

from csms_gateway.drain import drain_sessions, plan_drain


def test_closes_are_spread_over_half_the_period() -> None:
    plan = plan_drain(4, 10.0)
    assert plan.offsets == [0.0, 1.25, 2.5, 3.75]
    assert plan.idle_deadline == pytest.approx(7.0)
    assert plan.deadline == pytest.approx(9.0)


def test_no_period_closes_everything_at_once() -> None:
    assert plan_drain(3, 0.0).offsets == [0.0, 0.0, 0.0]
    assert plan_drain(0, 30.0).offsets == []


class FakeSession:
    """A session that becomes idle after ``busy_for`` seconds and records its close."""

    def __init__(self, station_id: str, busy_for: float) -> None:
        self.station_id = station_id
        self.busy_for = busy_for
        self.closed_at: float | None = None
        self.code: int | None = None

    async def wait_idle(self, timeout: float) -> bool:
        await asyncio.sleep(min(self.busy_for, timeout))
        return self.busy_for <= timeout

    async def close(self, code: int, reason: str) -> None:
        self.code = code
        self.closed_at = asyncio.get_running_loop().time()


def test_each_station_is_closed_with_1001_after_its_work() -> None:
    async def scenario() -> tuple[float, list[FakeSession], int]:
        sessions = [FakeSession("idle", 0.0), FakeSession("busy", 0.3), FakeSession("stuck", 60.0)]
        began = asyncio.get_running_loop().time()
        busy = await drain_sessions(sessions, 1.0)
        return began, sessions, busy

    began, sessions, busy = asyncio.run(scenario())
    assert [session.code for session in sessions] == [1001, 1001, 1001]
    idle, working, stuck = (session.closed_at for session in sessions)
    assert idle is not None and working is not None and stuck is not None
    assert idle - began < 0.1
    assert 0.3 <= working - began < 0.6  # its offset is 1/6 s, then it finished its work
    assert 0.6 <= stuck - began < 0.9  # given up on at 70 % of the period
    assert busy == 1
