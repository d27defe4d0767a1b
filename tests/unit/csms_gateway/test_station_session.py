"""The asyncio shell around StationProtocol: deadlines become timers, fired ones write their
actions from tasks the session keeps, a close reports and cancels everything, drain's wait_idle.

A scripted socket stands in for the station (the shell's edge); the protocol's rules themselves
are the table of test_station_protocol.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.session import StationSession
from csms_gateway.station_protocol import SessionSettings

TIMEOUT = 0.05
HEARTBEAT = '[2,"m1","Heartbeat",{}]'
RESET = '[2,"c1","Reset",{"type":"Soft"}]'
RESET_RESULT = '[3,"c1",{"status":"Accepted"}]'
NO_ANSWER = '[4,"m1","InternalError","no answer from the CSMS in time, retry later",{}]'
CLOSE = "close"


class ScriptedSocket:
    """Gives the session the frames put in ``incoming`` (``CLOSE`` ends the connection); keeps what it writes."""

    remote_address = ("127.0.0.1", 40000)

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[str] = asyncio.Queue()
        self.sent: list[str] = []

    async def recv(self) -> str:
        frame = await self.incoming.get()
        if frame == CLOSE:
            raise ConnectionClosed(None, None)
        return frame

    async def send(self, text: str) -> None:
        self.sent.append(text)


class RecordingClient:
    """Keeps what the session publishes, as the broker would receive it."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = []

    async def publish(self, topic: str, payload: str, **_: Any) -> None:
        self.published.append((topic, payload))


def new_session(socket: ScriptedSocket, client: RecordingClient) -> StationSession:
    return StationSession(
        "CP-1",
        OcppVersion.V16,
        cast(ServerConnection, socket),
        cast(AsyncMqttClient, client),
        SessionSettings(gateway_instance="g", call_timeout=TIMEOUT, max_queued_calls=4),
    )


async def until(condition: Any, seconds: float = 2.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


def test_an_unanswered_station_call_gets_internal_error_from_its_deadline() -> None:
    async def scenario() -> list[str]:
        socket, client = ScriptedSocket(), RecordingClient()
        session = new_session(socket, client)
        running = asyncio.create_task(session.run())
        socket.incoming.put_nowait(HEARTBEAT)
        await until(lambda: socket.sent)
        assert session.is_idle
        # The late answer is not written: the station already has its one answer.
        await session.deliver('[3,"m1",{"currentTime":"2026-01-01T00:00:00Z"}]', None, calls=False)
        socket.incoming.put_nowait(CLOSE)
        await running
        assert [topic for topic, _ in client.published] == ["CP-1/in"]
        return socket.sent

    assert asyncio.run(scenario()) == [NO_ANSWER]


def test_closing_reports_the_call_in_flight_and_cancels_its_deadline() -> None:
    async def scenario() -> tuple[list[str], list[tuple[str, str]]]:
        socket, client = ScriptedSocket(), RecordingClient()
        session = new_session(socket, client)
        running = asyncio.create_task(session.run())
        socket.incoming.put_nowait(HEARTBEAT)
        await until(lambda: client.published)
        await session.deliver(RESET, None, calls=True)
        socket.incoming.put_nowait(CLOSE)
        await running
        # Longer than the deadlines: neither an InternalError nor a timeout report may follow the close.
        await asyncio.sleep(3 * TIMEOUT)
        return socket.sent, client.published

    sent, published = asyncio.run(scenario())
    assert sent == [RESET]
    assert [topic for topic, _ in published] == ["CP-1/in", "csms/stations/CP-1/commands"]
    report = json.loads(published[1][1])
    assert (report["messageId"], report["state"]) == ("c1", "closed")


def test_wait_idle_waits_for_the_call_in_flight_to_be_answered() -> None:
    async def scenario() -> tuple[bool, bool, float]:
        socket, client = ScriptedSocket(), RecordingClient()
        session = new_session(socket, client)
        running = asyncio.create_task(session.run())
        await session.deliver(RESET, None, calls=True)
        busy = await session.wait_idle(TIMEOUT / 5)
        loop = asyncio.get_running_loop()
        began = loop.time()
        waiting = asyncio.create_task(session.wait_idle(10.0))
        socket.incoming.put_nowait(RESET_RESULT)
        idle = await waiting
        waited = loop.time() - began
        socket.incoming.put_nowait(CLOSE)
        await running
        return busy, idle, waited

    busy, idle, waited = asyncio.run(scenario())
    assert (busy, idle) == (False, True)
    # Woken by the answer, not by the end of its 10 s.
    assert waited < 5.0


def test_a_call_routed_to_a_connection_that_ended_is_reported_closed_at_once() -> None:
    """Bug fixed: it was written to the dead socket and reported "timeout" GATEWAY_CALL_TIMEOUT later."""

    async def scenario() -> tuple[list[str], list[tuple[str, str]]]:
        socket, client = ScriptedSocket(), RecordingClient()
        session = new_session(socket, client)
        socket.incoming.put_nowait(CLOSE)
        await session.run()
        # The server routes to the session until run() returns, and run() awaits the reports of the
        # calls the close left unanswered: a call can arrive then (here, simply after the close).
        await session.deliver(RESET, None, calls=True)
        published = list(client.published)
        await asyncio.sleep(3 * TIMEOUT)
        assert client.published == published
        return socket.sent, published

    sent, published = asyncio.run(scenario())
    assert sent == []
    assert [topic for topic, _ in published] == ["csms/stations/CP-1/commands"]
    assert json.loads(published[0][1])["state"] == "closed"
