"""Stopping a gateway without dropping work: stations leave one by one, each once it is idle.

On SIGTERM the gateway stops accepting connections and closes its stations with
1001 (going away) so they reconnect to another replica. Closing them all at once
would send every station to the other gateways in the same second, each
reconnection costing a registry check (broker, shadow service, Redis): thousands
at once get 503s and retry in a storm. So closes are spread evenly over the first
half of ``GATEWAY_DRAIN_SECONDS``, and a station is closed only once nothing is
in flight on it (a call of its own awaiting the CSMS's answer, or a CSMS call
awaiting its answer), waiting at most until the end of the closing window. What
is left at the end is closed anyway, so the process exits within the period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from websockets.frames import CloseCode

logger = logging.getLogger(__name__)

CLOSING_SHARE = 0.5
"""Part of the drain period over which the closes are spread."""
IDLE_WAIT_SHARE = 0.7
"""Part of the drain period after which a station is closed even with work in flight."""
DEADLINE_SHARE = 0.9
"""Part of the drain period after which closing handshakes are given up on: the rest is for
flushing MQTT and exiting."""
SHUTDOWN_REASON = "gateway shutting down"


class Drainable(Protocol):
    """What draining needs of a station session."""

    station_id: str

    async def wait_idle(self, timeout: float) -> bool: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class DrainPlan:
    """When each station is closed (seconds after the drain began) and until when it may wait."""

    offsets: list[float]
    idle_deadline: float
    deadline: float


def plan_drain(count: int, drain_seconds: float) -> DrainPlan:
    """Evenly spread ``count`` closes over the closing window (pure)."""
    window = drain_seconds * CLOSING_SHARE
    step = window / count if count else 0.0
    return DrainPlan(
        offsets=[index * step for index in range(count)],
        idle_deadline=drain_seconds * IDLE_WAIT_SHARE,
        deadline=drain_seconds * DEADLINE_SHARE,
    )


async def drain_sessions(sessions: Sequence[Drainable], drain_seconds: float) -> int:
    """Close every session with 1001, spread out and each once idle; return how many were still busy."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    plan = plan_drain(len(sessions), drain_seconds)
    busy = 0

    async def close_one(session: Drainable, offset: float) -> None:
        nonlocal busy
        await asyncio.sleep(max(0.0, began + offset - loop.time()))
        if not await session.wait_idle(max(0.0, began + plan.idle_deadline - loop.time())):
            busy += 1
            logger.warning("closing a station with work in flight", extra={"station_id": session.station_id})
        await session.close(CloseCode.GOING_AWAY, SHUTDOWN_REASON)

    tasks = [
        asyncio.create_task(close_one(session, offset))
        for session, offset in zip(sessions, plan.offsets, strict=True)
    ]
    if tasks:
        # The closing handshakes may hang on a dead peer: the period bounds them all.
        _, pending = await asyncio.wait(tasks, timeout=max(0.0, began + plan.deadline - loop.time()))
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return busy
