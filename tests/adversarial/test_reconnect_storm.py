"""A reconnect storm against a gateway with a small registry-check bound: 300 stations connecting at
once, retrying when refused. Every handshake gets 101 or 503 with Retry-After (none waits until its
timeout), all 300 get in, and a station already connected keeps being answered (issue 19)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import websockets

from tests.support.adversary import (
    extra_gateway,
    gateway_url,
    heartbeats_on,
    in_another_process,
    metric_sum,
    percentile,
    rounds_until_kept,
)
from tests.support.api import Api
from tests.support.polling import wait_until_async
from tests.support.system import ServiceProcess, System

pytestmark = pytest.mark.e2e

STATIONS = 300
SOURCES = 6
"""Source addresses 127.0.3.1..6: 50 stations each, below the pending-per-address cap (128)."""
IN_FLIGHT = 4
WAITING = 8
OPEN_TIMEOUT = 10.0
"""A handshake still unanswered after this is a timeout: the storm must never see one."""
STORM_SECONDS = 60.0
HEARTBEATS = 100
ROUNDS = 3
"""The machine is shared (as in test_auth_failures): up to three storms, the last one counts."""
STORM_LATENCY_BOUND = 1.0
"""Seconds within which the connected station's heartbeats are answered (p99) during the storm.

Not the adversarial tests' "2x the idle p99" (adversary.latency_bound): the storm is 300 legitimate
stations, not an attacker, and their handshakes share the gateway process's event loop with the
connected station's frames. On a quiet 2-core machine the storm's p99 was 113-460 ms against 27-48 ms
idle (2026-12-03): connected stations stay answered far within their call timeout (30 s), which is
what this asserts; keeping their idle latency through a storm (fewer accepts per loop iteration) is
open work (README, Scaling on one machine)."""


@dataclass
class Storm:
    statuses: dict[int, int] = field(default_factory=dict)
    timeouts: int = 0
    missing_retry_after: int = 0
    connected: int = 0
    slowest: float = 0.0
    seconds: float = 0.0


def storm_process(url: str, station_ids: list[str], until: Path) -> Storm:
    """Every station connects at once; a refused one comes back after 0.1-0.5 s; connected ones hold
    their connection until ``until`` exists (or the storm's time is up)."""

    async def storm() -> Storm:
        result = Storm()
        started = time.monotonic()
        deadline = started + STORM_SECONDS
        everyone_in = asyncio.Event()

        async def station(station_id: str, source: str) -> None:
            rng = random.Random(station_id)
            while time.monotonic() < deadline:
                attempt = time.monotonic()
                try:
                    async with websockets.connect(
                        f"{url}/{station_id}",
                        subprotocols=["ocpp2.0.1"],
                        open_timeout=OPEN_TIMEOUT,
                        local_addr=(source, 0),
                    ):
                        result.slowest = max(result.slowest, time.monotonic() - attempt)
                        result.statuses[101] = result.statuses.get(101, 0) + 1
                        result.connected += 1
                        if result.connected == len(station_ids):
                            everyone_in.set()
                        while not until.exists() and time.monotonic() < deadline:
                            await asyncio.sleep(0.1)
                        return
                except websockets.InvalidStatus as error:
                    result.slowest = max(result.slowest, time.monotonic() - attempt)
                    status = error.response.status_code
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    if status == 503 and "Retry-After" not in error.response.headers:
                        result.missing_retry_after += 1
                except TimeoutError:
                    result.timeouts += 1
                await asyncio.sleep(rng.uniform(0.1, 0.5))

        await asyncio.gather(
            *(
                station(station_id, f"127.0.3.{1 + index % SOURCES}")
                for index, station_id in enumerate(station_ids)
            )
        )
        result.seconds = time.monotonic() - started
        return result

    return asyncio.run(storm())


def gateway_counter(gateway: ServiceProcess, prefix: str) -> float:
    return metric_sum(gateway.admin_url, prefix)


@dataclass(frozen=True)
class Round:
    """One storm: the connected station's heartbeat p99 before it and during it."""

    idle_p99: float
    busy_p99: float
    storm: Storm

    @classmethod
    def of(cls, idle: list[float], busy: list[float], storm: Storm) -> Round:
        return cls(percentile(idle, 0.99), percentile(busy, 0.99), storm)

    @property
    def kept(self) -> bool:
        return self.busy_p99 <= STORM_LATENCY_BOUND

    def line(self) -> str:
        storm = self.storm
        return (
            f"statuses {storm.statuses}, timeouts {storm.timeouts}, all {storm.connected} in after "
            f"{storm.seconds:.1f} s, slowest answer {storm.slowest * 1000:.0f} ms; legit heartbeat p99 "
            f"{self.idle_p99 * 1000:.1f} ms idle, {self.busy_p99 * 1000:.1f} ms during the storm (bound "
            f"{STORM_LATENCY_BOUND * 1000:.0f} ms)"
        )


def test_a_reconnect_storm_is_told_to_come_back_and_never_times_out(
    system: System, api: Api, station_id: str, tmp_path: Path
) -> None:
    stormers = [f"{station_id}-s{index:03d}" for index in range(STATIONS)]
    legit = f"{station_id}-legit"
    for registered in [legit, *stormers]:
        api.register(registered)
    with extra_gateway(
        system,
        "gateway-storm",
        GATEWAY_MAX_AUTH_IN_FLIGHT=str(IN_FLIGHT),
        GATEWAY_MAX_AUTH_WAITING=str(WAITING),
        # Every handshake asks the shadow service, as after a gateway process died.
        GATEWAY_REGISTRATION_CACHE="0",
    ) as gateway:
        url = gateway_url(gateway)
        busy_prefix = 'csms_gateway_handshakes_total{outcome="busy"}'

        async def one_round(number: int) -> Round:
            # Connected before the storm: a station told to come back during it is the storm's case.
            async with websockets.connect(f"{url}/{legit}", subprotocols=["ocpp2.0.1"]) as ws:
                return await storm_round(ws, number)

        async def storm_round(ws: websockets.ClientConnection, number: int) -> Round:
            idle = await heartbeats_on(ws, HEARTBEATS, label=f"idle-{number}")
            stop = tmp_path / f"stop-{number}"
            busy_before = await asyncio.to_thread(gateway_counter, gateway, busy_prefix)
            storm = in_another_process(storm_process, url, stormers, stop)
            await wait_until_async(
                lambda: asyncio.to_thread(
                    lambda: gateway_counter(gateway, busy_prefix) > busy_before or None
                ),
                timeout=30,
                message="the storm meets the admission bound",
            )
            busy = await heartbeats_on(ws, HEARTBEATS, label=f"busy-{number}")
            stop.touch()
            return Round.of(idle, busy, await asyncio.wrap_future(storm))

        measured = asyncio.run(rounds_until_kept(one_round, ROUNDS))
        busy_total = gateway_counter(gateway, busy_prefix)
        waiting_refused = gateway_counter(
            gateway, 'csms_gateway_budget_exceeded_total{budget="auth_waiting"}'
        )
    print(
        f"\nreconnect storm: {STATIONS} stations, {IN_FLIGHT} registry checks in flight + {WAITING} queued; "
        f"gateway busy 503s {busy_total:.0f}"
    )
    for number, one in enumerate(measured):
        print(f"  round {number + 1}: {one.line()}")
    for one in measured:
        storm = one.storm
        assert storm.timeouts == 0
        assert set(storm.statuses) <= {101, 503}, storm.statuses
        assert storm.connected == STATIONS
        assert storm.statuses.get(503, 0) > 0, "the storm never met the admission bound"
        assert storm.missing_retry_after == 0
    assert busy_total >= 1 and waiting_refused >= 1
    assert measured[-1].kept, "the connected station's heartbeat p99 during the storm is over its bound"
