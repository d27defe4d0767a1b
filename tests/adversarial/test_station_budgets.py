"""A station that floods and reconnects gets no more than its frames and bytes budget (kept per
station id by the gateway, not per connection); a well-behaved station alongside keeps its latency."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets

from tests.support.adversary import (
    extra_gateway,
    gateway_url,
    heartbeat_latencies,
    in_another_process,
    latency_bound,
    metric_lines,
    percentile,
)
from tests.support.api import Api
from tests.support.mqtt_observer import MqttObserver
from tests.support.system import System

pytestmark = pytest.mark.e2e

RATE, BURST = 20, 20
BYTE_RATE, BYTE_BURST = 20_000, 20_000
FLOOD_SECONDS = 4.0
SETTLE_SECONDS = 2.0
METRICS = ("csms_gateway_budget_exceeded_total", "csms_gateway_handshakes_total")


async def reconnecting_flood(url: str, frame: str, seconds: float) -> int:
    """Reconnect every 0.25 s, pipelining frames as fast as the socket takes them; frames sent."""
    sent = connections = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(
                url, subprotocols=["ocpp2.0.1"], open_timeout=5, close_timeout=0.05
            ) as ws:
                connections += 1
                until = min(deadline, time.monotonic() + 0.25)
                while time.monotonic() < until:
                    try:
                        await asyncio.wait_for(ws.send(frame), max(0.01, until - time.monotonic()))
                    except TimeoutError:
                        break
                    sent += 1
                    await asyncio.sleep(0)
        except (websockets.InvalidStatus, websockets.ConnectionClosed, OSError):
            await asyncio.sleep(0.05)
    print(f"\nflooder: {connections} connections")
    return sent


def flood_process(url: str, frame: str, seconds: float) -> int:
    return asyncio.run(reconnecting_flood(url, frame, seconds))


COUNT_SECONDS = 20.0
"""At most this long counting what reached the broker: frames the gateway had read before the flooder's
connections closed (kernel buffers hold thousands of small frames) keep coming at the budget's rate, so
the count is checked against the budget of the whole window it covers, however long."""


def forwarded(observer: MqttObserver, station_id: str, until: float) -> int:
    count = 0
    while time.monotonic() < until:
        try:
            observer.next(timeout=0.5, topic=f"{station_id}/in")
        except TimeoutError:
            return count
        count += 1
    return count


@pytest.mark.parametrize("kind", ["frames", "bytes"])
def test_a_reconnecting_flooder_gets_its_budget_and_no_more(
    system: System, api: Api, station_id: str, kind: str
) -> None:
    flooder, neighbour = f"{station_id}-flood", f"{station_id}-calm"
    api.register(flooder)
    api.register(neighbour)
    with extra_gateway(
        system,
        f"gateway-budgets-{kind}",
        GATEWAY_STATION_RATE=str(RATE),
        GATEWAY_STATION_BURST=str(BURST),
        GATEWAY_MAX_FRAME_BYTES="16384",
        GATEWAY_STATION_BYTE_RATE=str(BYTE_RATE),
        GATEWAY_STATION_BYTE_BURST=str(BYTE_BURST),
        # Reconnecting is the attack here; the attempt throttle is tested on its own.
        GATEWAY_HANDSHAKE_STATION_RATE="100",
        GATEWAY_HANDSHAKE_STATION_BURST="100",
    ) as gateway:
        url = gateway_url(gateway)
        if kind == "frames":
            frame = json.dumps([2, "h", "Heartbeat", {}])
        else:
            frame = json.dumps([2, "d", "DataTransfer", {"vendorId": "v", "data": "x" * 4000}])
        size = len(frame)
        flood_started: list[float] = []
        observer = MqttObserver(system.mqtt_url, f"{flooder}/in")

        async def scenario() -> tuple[list[float], list[float], int]:
            idle = await heartbeat_latencies(url, neighbour, 100)
            flood_started.append(time.monotonic())
            started = flood_started[0]
            flood = in_another_process(flood_process, f"{url}/{flooder}", frame, FLOOD_SECONDS)
            await asyncio.sleep(0.5)  # the attacker's process is up and flooding
            busy = await heartbeat_latencies(url, neighbour, 100)
            sent = await asyncio.wrap_future(flood)
            await asyncio.sleep(max(0.0, started + FLOOD_SECONDS + SETTLE_SECONDS - time.monotonic()))
            return idle, busy, sent

        try:
            idle, busy, sent = asyncio.run(scenario())
            # Frames the gateway had read keep trickling out at the budget's rate after the flood:
            # all are counted, over the whole time since the flood began.
            got = forwarded(observer, flooder, flood_started[0] + COUNT_SECONDS)
            window = time.monotonic() - flood_started[0]
        finally:
            observer.close()
        shown = metric_lines(
            gateway.admin_url,
            (
                "csms_gateway_budget",
                "csms_gateway_frames_total",
                "csms_gateway_handshakes_total",
                "csms_gateway_disconnects",
            ),
        )
        print("\n" + "\n".join(shown))
    budget = BURST + RATE * window if kind == "frames" else (BYTE_BURST + BYTE_RATE * window) / size
    idle_p99, busy_p99 = percentile(idle, 0.99), percentile(busy, 0.99)
    print(
        f"\nbudget ({kind}): flooder sent {sent} frames of {size} bytes over {FLOOD_SECONDS:g} s, "
        f"reconnecting every 0.25 s; {got} reached the broker (budget {budget:.0f} in {window:.1f} s: "
        f"{got / window:.1f} frames/s); neighbour heartbeat p99 {idle_p99 * 1000:.1f} ms idle, "
        f"{busy_p99 * 1000:.1f} ms during the flood"
    )
    assert sent > budget, "the flooder did not even try to exceed its budget"
    assert got <= budget
    assert busy_p99 <= latency_bound(idle_p99)
