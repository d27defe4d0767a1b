"""Station-initiated OCPP 2.0.1 calls answered by the handler pool, and what they leave in the shadow."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
import websockets
from ocpp.v201 import call

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import station201
from tests.support.system import System

pytestmark = pytest.mark.e2e

UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


async def reported(api: Api, station_id: str, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    """Poll the shadow until ``predicate(reported)`` holds (updates are asynchronous to replies)."""

    async def matching() -> dict[str, Any] | NotYet:
        shadow: dict[str, Any] = (await api.aget(f"/charge-points/{station_id}/shadow")).json()
        return shadow if predicate(shadow["state"]["reported"]) else NotYet(shadow)

    return await wait_until_async(matching, timeout, message=f"station {station_id}'s shadow matched")


def test_full_session_reaches_the_shadow(api: Api, system: System, registered: str) -> None:
    assert api.request("PUT", "/id-tokens/user-123", json={"status": "Accepted"}).status_code in (200, 201)

    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            boot = await station.call(
                call.BootNotification(
                    charging_station={
                        "model": "SmartCharger Pro",
                        "vendor_name": "ACME",
                        "firmware_version": "1.2.3",
                        "serial_number": "SN-1",
                    },
                    reason="PowerUp",
                )
            )
            assert boot.status == "Accepted"
            assert boot.interval == 300
            assert UTC_Z.match(boot.current_time)

            heartbeat = await station.call(call.Heartbeat())
            assert UTC_Z.match(heartbeat.current_time)

            status = await station.call(
                call.StatusNotification(
                    timestamp="2023-12-01T10:00:00Z", connector_status="Available", evse_id=1, connector_id=1
                )
            )
            assert status.custom_data is None

            started = await station.call(
                call.TransactionEvent(
                    event_type="Started",
                    timestamp="2023-12-01T10:00:00Z",
                    trigger_reason="Authorized",
                    seq_no=0,
                    transaction_info={"transaction_id": "123456789"},
                    evse={"id": 1, "connector_id": 1},
                    id_token={"id_token": "user-123", "type": "ISO14443"},
                )
            )
            assert started.id_token_info == {"status": "Accepted"}

            shadow = await reported(api, registered, lambda s: "activeTransaction" in s)
            state = shadow["state"]["reported"]
            assert state["chargingStation"] == {
                "model": "SmartCharger Pro",
                "vendorName": "ACME",
                "firmwareVersion": "1.2.3",
                "serialNumber": "SN-1",
            }
            assert state["bootReason"] == "PowerUp"
            assert UTC_Z.match(state["lastHeartbeat"])
            assert UTC_Z.match(state["lastSeen"])
            assert state["evses"]["1"]["connectors"]["1"]["status"] == "Available"
            assert state["activeTransaction"]["transactionId"] == "123456789"
            assert state["activeTransaction"]["evseId"] == 1
            assert state["activeTransaction"]["startTime"] == "2023-12-01T10:00:00Z"
            assert state["activeTransaction"]["idToken"] == {"idToken": "user-123", "type": "ISO14443"}
            assert shadow["version"] >= 5
            assert "timestamp" in shadow["metadata"]["reported"]["bootReason"]

            updated = await station.call(
                call.TransactionEvent(
                    event_type="Updated",
                    timestamp="2023-12-01T10:05:00Z",
                    trigger_reason="MeterValuePeriodic",
                    seq_no=1,
                    transaction_info={"transaction_id": "123456789", "charging_state": "Charging"},
                    meter_value=[
                        {
                            "timestamp": "2023-12-01T10:05:00Z",
                            "sampled_value": [
                                {"value": 1234.5, "measurand": "Energy.Active.Import.Register"}
                            ],
                        }
                    ],
                )
            )
            assert updated.id_token_info is None
            shadow = await reported(
                api, registered, lambda s: s.get("activeTransaction", {}).get("chargingState") == "Charging"
            )
            meter = shadow["state"]["reported"]["activeTransaction"]["lastMeterValue"]
            assert meter["sampledValue"][0]["value"] == 1234.5

            await station.call(
                call.TransactionEvent(
                    event_type="Ended",
                    timestamp="2023-12-01T11:00:00Z",
                    trigger_reason="StopAuthorized",
                    seq_no=2,
                    transaction_info={"transaction_id": "123456789", "stopped_reason": "Local"},
                    evse={"id": 1},
                )
            )
            shadow = await reported(api, registered, lambda s: "activeTransaction" not in s)
            state = shadow["state"]["reported"]
            assert state["lastTransaction"]["transactionId"] == "123456789"
            assert state["lastTransaction"]["endTime"] == "2023-12-01T11:00:00Z"
            assert state["lastTransaction"]["stoppedReason"] == "Local"
            assert "activeTransaction" not in state["evses"]["1"]

    asyncio.run(scenario())


async def exchange(system: System, station_id: str, frames: list[str | bytes]) -> list[Any]:
    """Send raw frames one by one and collect one reply to each."""
    replies = []
    async with websockets.connect(f"{system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]) as ws:
        for frame in frames:
            await ws.send(frame)
            replies.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
    return replies


@pytest.mark.parametrize(
    ("frame", "expected_id", "expected_code"),
    [
        ("not json", "-1", "FormatViolation"),
        ('{"a": 1}', "-1", "RpcFrameworkError"),
        ('[9, "m-1", "Heartbeat", {}]', "m-1", "MessageTypeNotSupported"),
        ('[2, "m-2", "Heartbeat"]', "m-2", "RpcFrameworkError"),
        ('[2, "m-3", "NoSuchAction", {}]', "m-3", "NotImplemented"),
        # A known 2.0.1 action that only the CSMS sends: recognised, but nothing here handles it.
        ('[2, "m-4", "Reset", {"type": "Immediate"}]', "m-4", "NotSupported"),
        ('[2, "m-5", "BootNotification", {"reason": "PowerUp"}]', "m-5", "OccurenceConstraintViolation"),
        (
            '[2, "m-6", "BootNotification", {"reason": "Nope", "chargingStation": {"model": "m", "vendorName": "v"}}]',
            "m-6",
            "PropertyConstraintViolation",
        ),
        (
            '[2, "m-7", "StatusNotification", {"timestamp": "2023-12-01T10:00:00Z", "connectorStatus": "Available", '
            '"evseId": "one", "connectorId": 1}]',
            "m-7",
            "TypeConstraintViolation",
        ),
        ('[2, "m-8", "Heartbeat", {"extra": true}]', "m-8", "FormatViolation"),
        ('[2, "m-9", "Heartbeat", []]', "m-9", "FormatViolation"),
    ],
)
def test_malformed_frames_get_call_errors(
    system: System, registered: str, frame: str, expected_id: str, expected_code: str
) -> None:
    replies = asyncio.run(exchange(system, registered, [frame, '[2, "after", "Heartbeat", {}]']))
    error, after = replies
    assert error[0] == 4
    assert error[1] == expected_id
    assert error[2] == expected_code
    assert isinstance(error[3], str) and error[3]
    assert isinstance(error[4], dict)
    # The connection stays open and keeps working.
    assert after[:2] == [3, "after"]
