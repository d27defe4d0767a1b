"""A station that checks every frame the CSMS sends against its version's official schemas.

The ocpp library's clients already refuse invalid frames; this test also records
every frame received over a full session and validates each one again with the
library's own validator, so a violation is counted rather than merely logged.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from ocpp.messages import Call, CallResult, _validate_payload
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, Station201, running
from tests.support.system import System

pytestmark = pytest.mark.e2e


class RecordingConnection:
    """Passes frames through to the library's ChargePoint and keeps a copy of each one."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self.received: list[str] = []
        self.sent: list[str] = []

    async def recv(self) -> str:
        frame = str(await self._connection.recv())
        self.received.append(frame)
        return frame

    async def send(self, frame: str) -> None:
        self.sent.append(frame)
        await self._connection.send(frame)


def violations(connection: RecordingConnection, version: str) -> tuple[int, list[str]]:
    """Validate every received frame; return (frames checked, violations)."""
    actions = {
        json.loads(frame)[1]: json.loads(frame)[2] for frame in connection.sent if json.loads(frame)[0] == 2
    }
    problems: list[str] = []
    for frame in connection.received:
        message = json.loads(frame)
        try:
            if message[0] == 2:
                _validate_payload(Call(message[1], message[2], message[3]), version)
            elif message[0] == 3:
                _validate_payload(CallResult(message[1], message[2], actions[message[1]]), version)
            else:
                problems.append(f"unexpected CallError: {frame}")
        except Exception as error:  # noqa: BLE001 - every kind of violation is counted
            problems.append(f"{frame}: {error}")
    return len(connection.received), problems


async def wait_for_transactions(
    api: Api, station_id: str, count: int, *, ended: bool = False
) -> list[dict[str, Any]]:
    """The station's records once ``count`` exist (and, with ``ended``, all are Ended): records reach
    the shadow service a moment after the station's call is answered."""

    async def recorded() -> list[dict[str, Any]] | NotYet:
        path = f"/charge-points/{station_id}/transactions"
        records: list[dict[str, Any]] = (await api.aget(path)).json()["transactions"]
        done = len(records) >= count and (not ended or all(r.get("status") == "Ended" for r in records))
        return records if done else NotYet(records)

    state = "ended" if ended else "recorded"
    return await wait_until_async(recorded, 5.0, message=f"{count} transactions of {station_id} {state}")


def test_strict_201_session(api: Api, system: System, registered: str) -> None:
    api.request("PUT", "/id-tokens/STRICT-1", json={"status": "Accepted"})

    async def scenario() -> RecordingConnection:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            recording = RecordingConnection(ws)
            async with running(Station201(registered, recording)) as station:
                await station.call(
                    call201.BootNotification(
                        charging_station={"model": "Strict", "vendor_name": "QA"}, reason="PowerUp"
                    )
                )
                await station.call(
                    call201.StatusNotification(
                        timestamp="2024-01-01T10:00:00Z",
                        connector_status="Available",
                        evse_id=1,
                        connector_id=1,
                    )
                )
                await station.call(call201.Authorize(id_token={"id_token": "STRICT-1", "type": "ISO14443"}))
                start = await api.apost(
                    "/remote-start-transaction?wait=5",
                    json={"chargePointId": registered, "idTag": "STRICT-1"},
                )
                assert start.status_code == 200, start.text
                for event_type, trigger, seq in (
                    ("Started", "RemoteStart", 0),
                    ("Updated", "MeterValuePeriodic", 1),
                ):
                    await station.call(
                        call201.TransactionEvent(
                            event_type=event_type,
                            timestamp="2024-01-01T10:00:00Z",
                            trigger_reason=trigger,
                            seq_no=seq,
                            transaction_info={
                                "transaction_id": "strict-tx",
                                "remote_start_id": start.json()["remoteStartId"],
                            },
                            evse={"id": 1},
                            id_token={"id_token": "STRICT-1", "type": "ISO14443"},
                            meter_value=[
                                {"timestamp": "2024-01-01T10:00:00Z", "sampled_value": [{"value": 10.5}]}
                            ],
                        )
                    )
                stop = await api.apost(
                    "/remote-stop-transaction?wait=5",
                    json={"chargePointId": registered, "transactionId": "strict-tx"},
                )
                assert stop.status_code == 200, stop.text
                await station.call(
                    call201.TransactionEvent(
                        event_type="Ended",
                        timestamp="2024-01-01T11:00:00Z",
                        trigger_reason="RemoteStop",
                        seq_no=2,
                        transaction_info={"transaction_id": "strict-tx", "stopped_reason": "Remote"},
                        evse={"id": 1},
                    )
                )
                command = await api.apost(
                    f"/charge-points/{registered}/commands/Reset?wait=5", json={"type": "OnIdle"}
                )
                assert command.status_code == 200, command.text
                await station.call(call201.Heartbeat())
                records = await wait_for_transactions(api, registered, 1, ended=True)
                assert records[0]["status"] == "Ended"
            return recording

    recording = asyncio.run(scenario())
    checked, problems = violations(recording, "2.0.1")
    print(f"strict 2.0.1 client: {checked} frames received, {len(problems)} violations")
    assert checked == 10  # 7 answers to its calls + 3 CSMS calls
    assert problems == []


def test_strict_16_session(api: Api, system: System, registered: str) -> None:
    api.request("PUT", "/id-tokens/STRICT-16", json={"status": "Accepted"})

    async def scenario() -> RecordingConnection:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp1.6"]) as ws:
            recording = RecordingConnection(ws)
            async with running(Station16(registered, recording)) as station:
                await station.call(
                    call16.BootNotification(charge_point_model="Strict", charge_point_vendor="QA")
                )
                await station.call(
                    call16.StatusNotification(connector_id=1, error_code="NoError", status="Available")
                )
                await station.call(call16.Authorize(id_tag="STRICT-16"))
                start = await api.apost(
                    "/remote-start-transaction?wait=5",
                    json={"chargePointId": registered, "idTag": "STRICT-16", "connectorId": 1},
                )
                assert start.status_code == 200, start.text
                started = await station.call(
                    call16.StartTransaction(
                        connector_id=1, id_tag="STRICT-16", meter_start=0, timestamp="2024-01-01T10:00:00Z"
                    )
                )
                await station.call(
                    call16.MeterValues(
                        connector_id=1,
                        transaction_id=started.transaction_id,
                        meter_value=[
                            {"timestamp": "2024-01-01T10:30:00Z", "sampled_value": [{"value": "5"}]}
                        ],
                    )
                )
                stop = await api.apost(
                    "/remote-stop-transaction?wait=5",
                    json={"chargePointId": registered, "transactionId": started.transaction_id},
                )
                assert stop.status_code == 200, stop.text
                await station.call(
                    call16.StopTransaction(
                        meter_stop=10,
                        timestamp="2024-01-01T11:00:00Z",
                        transaction_id=started.transaction_id,
                        id_tag="STRICT-16",
                    )
                )
                command = await api.apost(
                    f"/charge-points/{registered}/commands/GetConfiguration?wait=5", json={}
                )
                assert command.status_code == 200, command.text
                await station.call(call16.Heartbeat())
                records = await wait_for_transactions(api, registered, 1, ended=True)
                assert records[0]["status"] == "Ended"
                assert records[0]["remoteStartMessageId"] == start.json()["messageId"]
            return recording

    recording = asyncio.run(scenario())
    checked, problems = violations(recording, "1.6")
    print(f"strict 1.6 client: {checked} frames received, {len(problems)} violations")
    assert checked == 10  # 7 answers to its calls + 3 CSMS calls
    assert problems == []


def test_retransmitted_call_gets_the_identical_answer(system: System, registered: str) -> None:
    boot = json.dumps(
        [
            2,
            "boot-again",
            "BootNotification",
            {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
        ]
    )

    async def scenario() -> tuple[str, str]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            await ws.send(boot)
            first = str(await asyncio.wait_for(ws.recv(), 5))
            await asyncio.sleep(0.01)  # a new answer would carry a later currentTime
            await ws.send(boot)
            second = str(await asyncio.wait_for(ws.recv(), 5))
            return first, second

    first, second = asyncio.run(scenario())
    assert json.loads(first)[:2] == [3, "boot-again"]
    assert second == first
