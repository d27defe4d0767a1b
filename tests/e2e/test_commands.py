"""Generic CSMS→station commands, waiting for answers, command records, and remote-start links."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import station16, station201
from tests.support.system import System

pytestmark = pytest.mark.e2e


async def command_state(api: Api, message_id: str, state: str, timeout: float = 5.0) -> dict[str, Any]:
    async def in_state() -> dict[str, Any] | NotYet:
        response = await api.aget(f"/commands/{message_id}")
        if response.status_code == 200 and response.json()["state"] == state:
            return dict(response.json())
        return NotYet(response.text)

    return await wait_until_async(in_state, timeout, message=f"command {message_id} reached {state}")


def test_command_waits_for_the_answer(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            response = await api.apost(
                f"/charge-points/{registered}/commands/Reset?wait=5", json={"type": "Immediate"}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["state"] == "answered"
            assert body["result"] == {"status": "Scheduled"}
            assert body["action"] == "Reset" and body["chargePointId"] == registered
            action, payload, _ = await asyncio.wait_for(station.received.get(), 5)
            assert (action, payload) == ("Reset", {"type": "Immediate"})
            record = await command_state(api, body["messageId"], "answered")
            assert record["payload"] == {"status": "Scheduled"}
            assert record["request"] == {"type": "Immediate"}
            assert record["action"] == "Reset"

    asyncio.run(scenario())


def test_command_without_wait_is_202_then_answered(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered):
            response = await api.apost(f"/charge-points/{registered}/commands/Reset", json={"type": "OnIdle"})
            assert response.status_code == 202
            assert response.json()["state"] == "sent"
            record = await command_state(api, response.json()["messageId"], "answered")
            assert record["payload"] == {"status": "Scheduled"}

    asyncio.run(scenario())


def test_station_call_error_is_502(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered):
            # The library's station has no handler for ClearCache: it answers with a CallError.
            response = await api.apost(f"/charge-points/{registered}/commands/ClearCache?wait=5", json={})
            assert response.status_code == 502, response.text
            body = response.json()
            assert body["state"] == "error"
            assert body["errorCode"] in ("NotSupported", "NotImplemented")
            assert body["error"].startswith("Station answered with")
            record = await command_state(api, body["messageId"], "error")
            assert record["errorCode"] == body["errorCode"]

    asyncio.run(scenario())


def test_wait_that_runs_out_is_504(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered, answer_delay=1.5):
            response = await api.apost(
                f"/charge-points/{registered}/commands/Reset?wait=0.3", json={"type": "Immediate"}
            )
            assert response.status_code == 504
            assert response.json()["state"] == "sent"
            await command_state(api, response.json()["messageId"], "answered")

    asyncio.run(scenario())


def test_gateway_call_timeout_is_recorded(api: Api, system: System, registered: str) -> None:
    gateway = system.start("gateway", label="gateway-short-timeout", GATEWAY_CALL_TIMEOUT="0.5")
    try:
        system.wait_ready(gateway)

        async def scenario() -> None:
            url = f"ws://127.0.0.1:{gateway.env['GATEWAY_PORT']}/{registered}"
            async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as ws:  # never answers
                await ws.send('[2,"hb","Heartbeat",{}]')
                await asyncio.wait_for(ws.recv(), 5)
                response = await api.apost(
                    f"/charge-points/{registered}/commands/Reset?wait=5", json={"type": "Immediate"}
                )
                assert response.status_code == 504, response.text
                assert response.json()["state"] == "timeout"
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert frame[0] == 2 and frame[2] == "Reset"
                await command_state(api, response.json()["messageId"], "timeout")

        asyncio.run(scenario())
    finally:
        gateway.stop()


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("Reset", {"type": "Sometime"}, "Invalid Reset payload: Reset: type: 'Sometime' is not one of"),
        ("Reset", {}, "Invalid Reset payload: Reset: (payload): 'type' is a required property"),
        ("BootNotification", {}, "BootNotification is not a CSMS-initiated action in OCPP 2.0.1"),
        ("NoSuchAction", {}, "NoSuchAction is not a CSMS-initiated action in OCPP 2.0.1"),
    ],
)
def test_invalid_commands_are_400(
    api: Api, system: System, registered: str, action: str, body: dict[str, Any], message: str
) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered):
            response = await api.apost(f"/charge-points/{registered}/commands/{action}", json=body)
            assert response.status_code == 400
            assert response.json()["error"].startswith(message)

    asyncio.run(scenario())


@pytest.mark.parametrize("wait", ["0", "-1", "61", "soon"])
def test_invalid_wait_is_400(api: Api, registered: str, wait: str) -> None:
    response = api.post(f"/charge-points/{registered}/commands/Reset?wait={wait}", json={"type": "Immediate"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Invalid wait")


def test_unknown_command_is_404(api: Api) -> None:
    response = api.get("/commands/no-such-message")
    assert response.status_code == 404
    assert response.json() == {"error": "Command not found: no-such-message"}


def test_16_command_with_wait(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station16(system.gateway_url, registered):
            response = await api.apost(
                f"/charge-points/{registered}/commands/GetConfiguration?wait=5",
                json={"key": ["HeartbeatInterval"]},
            )
            assert response.status_code == 200, response.text
            assert response.json()["result"] == {
                "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
            }

    asyncio.run(scenario())


def test_remote_start_is_linked_to_its_201_transaction(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            start = await api.apost(
                "/remote-start-transaction?wait=5", json={"chargePointId": registered, "idTag": "user-9"}
            )
            assert start.status_code == 200, start.text
            assert start.json()["result"] == {"status": "Accepted"}
            remote_start_id = start.json()["remoteStartId"]
            await station.call(
                call201.TransactionEvent(
                    event_type="Started",
                    timestamp="2024-01-01T10:00:00Z",
                    trigger_reason="RemoteStart",
                    seq_no=0,
                    transaction_info={"transaction_id": "tx-77", "remote_start_id": remote_start_id},
                    evse={"id": 1},
                    id_token={"id_token": "user-9", "type": "ISO14443"},
                )
            )
            for _ in range(100):
                records = (await api.aget(f"/charge-points/{registered}/transactions")).json()["transactions"]
                if records:
                    break
                await asyncio.sleep(0.05)
            assert records[0]["transactionId"] == "tx-77"
            assert records[0]["remoteStartId"] == remote_start_id
            assert records[0]["remoteStartMessageId"] == start.json()["messageId"]

    asyncio.run(scenario())


def test_remote_start_is_linked_to_its_16_transaction(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station16(system.gateway_url, registered) as station:
            start = await api.apost(
                "/remote-start-transaction?wait=5",
                json={"chargePointId": registered, "idTag": "TAG-16", "connectorId": 1},
            )
            assert start.status_code == 200, start.text
            started = await station.call(
                call16.StartTransaction(
                    connector_id=1, id_tag="TAG-16", meter_start=0, timestamp="2024-01-01T10:00:00Z"
                )
            )
            for _ in range(100):
                records = (await api.aget(f"/charge-points/{registered}/transactions")).json()["transactions"]
                if records:
                    break
                await asyncio.sleep(0.05)
            assert records[0]["transactionId"] == str(started.transaction_id)
            assert records[0]["remoteStartMessageId"] == start.json()["messageId"]

    asyncio.run(scenario())
