"""Stations played by the ocpp library's own clients, which validate every frame they receive."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
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


async def boot(station: Any, version: str) -> Any:
    """Send the smallest valid BootNotification of ``version`` ("1.6", or a 2.x one); the library's result."""
    if version == "1.6":
        return await station.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
    return await station.call(
        call201.BootNotification(charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp")
    )


@contextlib.asynccontextmanager
async def booted(
    gateway_url: str, station_id: str, version: str, make: Callable[[str, ClientConnection], Any]
) -> AsyncIterator[Any]:
    """The station ``make(station_id, connection)`` on an ``ocpp<version>`` connection, running and booted
    until the block ends."""
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=[f"ocpp{version}"]) as ws:
        async with running(make(station_id, ws)) as station:
            await boot(station, version)
            yield station


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


def _is_call(raw_msg: str) -> bool:
    try:
        frame = json.loads(raw_msg)
    except ValueError:
        return False
    return isinstance(frame, list) and len(frame) == 4 and frame[0] == 2


class CommandStation201(Station201):
    """A 2.0.1 station that answers every command of tests/e2e/test_all_commands.py with a valid result.

    Besides ``received`` (what each handler got, snake_case as the library hands it over), it keeps
    every Call frame exactly as it arrived on the socket in ``calls``.
    """

    def __init__(self, station_id: str, connection: ClientConnection, answer_delay: float = 0.0) -> None:
        super().__init__(station_id, connection, answer_delay=answer_delay)
        self.calls: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        if _is_call(raw_msg):
            self.calls.append(raw_msg)
        await super().route_message(raw_msg)

    @on("ChangeAvailability")
    async def on_change_availability(self, **payload: Any) -> call_result201.ChangeAvailability:
        await self._record("ChangeAvailability", payload)
        return call_result201.ChangeAvailability(status="Scheduled")

    @on("UnlockConnector")
    async def on_unlock_connector(self, **payload: Any) -> call_result201.UnlockConnector:
        await self._record("UnlockConnector", payload)
        return call_result201.UnlockConnector(status="Unlocked")

    @on("TriggerMessage")
    async def on_trigger_message(self, **payload: Any) -> call_result201.TriggerMessage:
        await self._record("TriggerMessage", payload)
        return call_result201.TriggerMessage(status="Accepted")

    @on("GetVariables")
    async def on_get_variables(self, **payload: Any) -> call_result201.GetVariables:
        await self._record("GetVariables", payload)
        return call_result201.GetVariables(
            get_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "attribute_type": "Actual",
                    "attribute_value": f"value-of-{item['variable']['name']}",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["get_variable_data"]
            ]
        )

    @on("SetVariables")
    async def on_set_variables(self, **payload: Any) -> call_result201.SetVariables:
        await self._record("SetVariables", payload)
        return call_result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_type": item.get("attribute_type", "Actual"),
                    "attribute_status": "RebootRequired",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["set_variable_data"]
            ]
        )

    @on("ClearCache")
    async def on_clear_cache(self, **payload: Any) -> call_result201.ClearCache:
        await self._record("ClearCache", payload)
        return call_result201.ClearCache(status="Accepted")

    @on("DataTransfer")
    async def on_data_transfer(self, **payload: Any) -> call_result201.DataTransfer:
        await self._record("DataTransfer", payload)
        return call_result201.DataTransfer(status="Accepted", data={"echo": payload.get("data")})

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **payload: Any) -> call_result201.SetChargingProfile:
        await self._record("SetChargingProfile", payload)
        return call_result201.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **payload: Any) -> call_result201.ClearChargingProfile:
        await self._record("ClearChargingProfile", payload)
        return call_result201.ClearChargingProfile(status="Unknown")

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **payload: Any) -> call_result201.GetCompositeSchedule:
        await self._record("GetCompositeSchedule", payload)
        return call_result201.GetCompositeSchedule(
            status="Accepted",
            schedule={
                "evse_id": payload["evse_id"],
                "duration": payload["duration"],
                "schedule_start": "2024-01-01T10:00:00Z",
                "charging_rate_unit": payload.get("charging_rate_unit", "A"),
                "charging_schedule_period": [
                    {"start_period": 0, "limit": 21.4, "number_phases": 3},
                    {"start_period": 1800, "limit": 16.0},
                ],
            },
        )

    @on("UpdateFirmware")
    async def on_update_firmware(self, **payload: Any) -> call_result201.UpdateFirmware:
        await self._record("UpdateFirmware", payload)
        return call_result201.UpdateFirmware(status="AcceptedCanceled")

    @on("GetLog")
    async def on_get_log(self, **payload: Any) -> call_result201.GetLog:
        await self._record("GetLog", payload)
        return call_result201.GetLog(status="Accepted", filename=f"log-{payload['request_id']}.tar.gz")

    @on("ReserveNow")
    async def on_reserve_now(self, **payload: Any) -> call_result201.ReserveNow:
        await self._record("ReserveNow", payload)
        return call_result201.ReserveNow(status="Occupied")

    @on("CancelReservation")
    async def on_cancel_reservation(self, **payload: Any) -> call_result201.CancelReservation:
        await self._record("CancelReservation", payload)
        return call_result201.CancelReservation(
            status="Rejected", status_info={"reason_code": "NoReservation"}
        )

    @on("SendLocalList")
    async def on_send_local_list(self, **payload: Any) -> call_result201.SendLocalList:
        await self._record("SendLocalList", payload)
        return call_result201.SendLocalList(status="VersionMismatch")

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **payload: Any) -> call_result201.GetLocalListVersion:
        await self._record("GetLocalListVersion", payload)
        return call_result201.GetLocalListVersion(version_number=42)

    @on("GetBaseReport")
    async def on_get_base_report(self, **payload: Any) -> call_result201.GetBaseReport:
        await self._record("GetBaseReport", payload)
        return call_result201.GetBaseReport(status="EmptyResultSet")


class CommandStation16(Station16):
    """A 1.6 station that answers every command of tests/e2e/test_all_commands.py with a valid result.

    GetConfiguration keeps Station16's answer. Besides ``received`` (what each handler got, snake_case
    as the library hands it over; SetChargingProfile's numbers arrive as Decimal), it keeps every Call
    frame exactly as it arrived on the socket in ``calls``.
    """

    def __init__(self, station_id: str, connection: ClientConnection) -> None:
        super().__init__(station_id, connection)
        self.calls: list[str] = []

    async def route_message(self, raw_msg: str) -> None:
        if _is_call(raw_msg):
            self.calls.append(raw_msg)
        await super().route_message(raw_msg)

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.received.put_nowait((action, payload, 0.0))

    @on("Reset")
    async def on_reset(self, **payload: Any) -> call_result16.Reset:
        self._record("Reset", payload)
        return call_result16.Reset(status="Accepted")

    @on("ChangeAvailability")
    async def on_change_availability(self, **payload: Any) -> call_result16.ChangeAvailability:
        self._record("ChangeAvailability", payload)
        return call_result16.ChangeAvailability(status="Scheduled")

    @on("UnlockConnector")
    async def on_unlock_connector(self, **payload: Any) -> call_result16.UnlockConnector:
        self._record("UnlockConnector", payload)
        return call_result16.UnlockConnector(status="Unlocked")

    @on("TriggerMessage")
    async def on_trigger_message(self, **payload: Any) -> call_result16.TriggerMessage:
        self._record("TriggerMessage", payload)
        return call_result16.TriggerMessage(status="Accepted")

    @on("ChangeConfiguration")
    async def on_change_configuration(self, **payload: Any) -> call_result16.ChangeConfiguration:
        self._record("ChangeConfiguration", payload)
        return call_result16.ChangeConfiguration(status="RebootRequired")

    @on("ClearCache")
    async def on_clear_cache(self, **payload: Any) -> call_result16.ClearCache:
        self._record("ClearCache", payload)
        return call_result16.ClearCache(status="Accepted")

    @on("DataTransfer")
    async def on_data_transfer(self, **payload: Any) -> call_result16.DataTransfer:
        self._record("DataTransfer", payload)
        return call_result16.DataTransfer(status="Accepted", data=f"echo:{payload.get('data')}")

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, **payload: Any) -> call_result16.SetChargingProfile:
        self._record("SetChargingProfile", payload)
        return call_result16.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **payload: Any) -> call_result16.ClearChargingProfile:
        self._record("ClearChargingProfile", payload)
        return call_result16.ClearChargingProfile(status="Unknown")

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, **payload: Any) -> call_result16.GetCompositeSchedule:
        self._record("GetCompositeSchedule", payload)
        return call_result16.GetCompositeSchedule(
            status="Accepted",
            connector_id=payload["connector_id"],
            schedule_start="2024-01-01T10:00:00Z",
            charging_schedule={
                "duration": payload["duration"],
                "charging_rate_unit": payload.get("charging_rate_unit", "A"),
                "charging_schedule_period": [
                    {"start_period": 0, "limit": 21.4, "number_phases": 3},
                    {"start_period": 1800, "limit": 16.0},
                ],
            },
        )

    @on("UpdateFirmware")
    async def on_update_firmware(self, **payload: Any) -> call_result16.UpdateFirmware:
        self._record("UpdateFirmware", payload)
        return call_result16.UpdateFirmware()

    @on("GetDiagnostics")
    async def on_get_diagnostics(self, **payload: Any) -> call_result16.GetDiagnostics:
        self._record("GetDiagnostics", payload)
        return call_result16.GetDiagnostics(file_name="diagnostics-1.zip")

    @on("ReserveNow")
    async def on_reserve_now(self, **payload: Any) -> call_result16.ReserveNow:
        self._record("ReserveNow", payload)
        return call_result16.ReserveNow(status="Occupied")

    @on("CancelReservation")
    async def on_cancel_reservation(self, **payload: Any) -> call_result16.CancelReservation:
        self._record("CancelReservation", payload)
        return call_result16.CancelReservation(status="Rejected")

    @on("SendLocalList")
    async def on_send_local_list(self, **payload: Any) -> call_result16.SendLocalList:
        self._record("SendLocalList", payload)
        return call_result16.SendLocalList(status="VersionMismatch")

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **payload: Any) -> call_result16.GetLocalListVersion:
        self._record("GetLocalListVersion", payload)
        return call_result16.GetLocalListVersion(list_version=7)


@contextlib.asynccontextmanager
async def command_station201(gateway_url: str, station_id: str) -> AsyncIterator[CommandStation201]:
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
        async with running(CommandStation201(station_id, ws)) as station:
            yield station


@contextlib.asynccontextmanager
async def command_station16(gateway_url: str, station_id: str) -> AsyncIterator[CommandStation16]:
    async with websockets.connect(f"{gateway_url}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
        async with running(CommandStation16(station_id, ws)) as station:
            yield station
