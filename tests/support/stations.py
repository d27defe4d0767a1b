"""Stations played by the ocpp library's own clients, which validate every frame they receive."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as call_result201
from websockets.asyncio.client import ClientConnection


class Station201(ChargePoint201):  # type: ignore[misc]
    """An OCPP 2.0.1 station that records the CSMS calls it receives and accepts them."""

    def __init__(self, station_id: str, connection: ClientConnection, answer_delay: float = 0.0) -> None:
        super().__init__(station_id, connection, response_timeout=10)
        self.received: asyncio.Queue[tuple[str, dict[str, Any], float]] = asyncio.Queue()
        self.answer_delay = answer_delay

    async def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.received.put_nowait((action, payload, asyncio.get_running_loop().time()))
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)

    @on("RequestStartTransaction")
    async def on_request_start(self, **payload: Any) -> call_result201.RequestStartTransaction:
        await self._record("RequestStartTransaction", payload)
        return call_result201.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    async def on_request_stop(self, **payload: Any) -> call_result201.RequestStopTransaction:
        await self._record("RequestStopTransaction", payload)
        return call_result201.RequestStopTransaction(status="Accepted")

    @on("Reset")
    async def on_reset(self, **payload: Any) -> call_result201.Reset:
        await self._record("Reset", payload)
        return call_result201.Reset(status="Scheduled")


class Station16(ChargePoint16):  # type: ignore[misc]
    """An OCPP 1.6 station that records the CSMS calls it receives and accepts them."""

    def __init__(self, station_id: str, connection: ClientConnection) -> None:
        super().__init__(station_id, connection, response_timeout=10)
        self.received: asyncio.Queue[tuple[str, dict[str, Any], float]] = asyncio.Queue()

    @on("RemoteStartTransaction")
    async def on_remote_start(self, **payload: Any) -> call_result16.RemoteStartTransaction:
        self.received.put_nowait(("RemoteStartTransaction", payload, 0.0))
        return call_result16.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    async def on_remote_stop(self, **payload: Any) -> call_result16.RemoteStopTransaction:
        self.received.put_nowait(("RemoteStopTransaction", payload, 0.0))
        return call_result16.RemoteStopTransaction(status="Accepted")

    @on("GetConfiguration")
    async def on_get_configuration(self, **payload: Any) -> call_result16.GetConfiguration:
        self.received.put_nowait(("GetConfiguration", payload, 0.0))
        return call_result16.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        )


@contextlib.asynccontextmanager
async def running(station: Any) -> AsyncIterator[Any]:
    """Run the station's receive loop while the block executes."""
    task = asyncio.create_task(station.start())
    try:
        yield station
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await task


@contextlib.asynccontextmanager
async def station201(gateway_url: str, station_id: str, **kwargs: Any) -> AsyncIterator[Station201]:
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
        async with running(Station201(station_id, ws, **kwargs)) as station:
            yield station


@contextlib.asynccontextmanager
async def station16(gateway_url: str, station_id: str) -> AsyncIterator[Station16]:
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
        async with running(Station16(station_id, ws)) as station:
            yield station
