"""A full OCPP 1.6 session through the real services, played by the ocpp library's 1.6 client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from ocpp.v16 import call

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import station16
from tests.support.system import System

pytestmark = pytest.mark.e2e


async def eventually(api: Api, path: str, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    async def matching() -> dict[str, Any] | NotYet:
        body: dict[str, Any] = (await api.aget(path)).json()
        return body if predicate(body) else NotYet(body)

    return await wait_until_async(matching, timeout, message=f"{path} matched")


def test_full_16_session(api: Api, system: System, registered: str) -> None:
    assert api.request("PUT", "/id-tokens/TAG-OK", json={"status": "Accepted"}).status_code in (200, 201)
    assert api.request("PUT", "/id-tokens/TAG-BLOCKED", json={"status": "Blocked"}).status_code in (200, 201)

    async def scenario() -> None:
        async with station16(system.gateway_url, registered) as station:
            boot = await station.call(
                call.BootNotification(
                    charge_point_model="Wallbox 16", charge_point_vendor="ACME", firmware_version="4.2"
                )
            )
            assert boot.status == "Accepted" and boot.interval == 300 and boot.current_time.endswith("Z")
            assert (await station.call(call.Heartbeat())).current_time.endswith("Z")
            await station.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
            )

            assert (await station.call(call.Authorize(id_tag="TAG-OK"))).id_tag_info == {"status": "Accepted"}
            assert (await station.call(call.Authorize(id_tag="TAG-BLOCKED"))).id_tag_info == {
                "status": "Blocked"
            }
            assert (await station.call(call.Authorize(id_tag="TAG-NONE"))).id_tag_info == {
                "status": "Invalid"
            }

            start = await station.call(
                call.StartTransaction(
                    connector_id=1, id_tag="TAG-OK", meter_start=1000, timestamp="2024-01-01T10:00:00Z"
                )
            )
            assert isinstance(start.transaction_id, int) and start.transaction_id > 0
            assert start.id_tag_info == {"status": "Accepted"}
            second = await station.call(
                call.StartTransaction(
                    connector_id=2, id_tag="TAG-OK", meter_start=0, timestamp="2024-01-01T10:01:00Z"
                )
            )
            assert second.transaction_id != start.transaction_id

            shadow = await eventually(
                api,
                f"/charge-points/{registered}/shadow",
                lambda s: (
                    "2" in s["state"]["reported"].get("evses", {})
                    and "activeTransaction" in s["state"]["reported"]["evses"]["2"]
                ),
            )
            reported = shadow["state"]["reported"]
            assert reported["chargingStation"]["model"] == "Wallbox 16"
            assert reported["chargingStation"]["vendorName"] == "ACME"
            assert reported["evses"]["1"]["connectors"]["1"]["status"] == "Available"
            assert reported["evses"]["1"]["activeTransaction"]["transactionId"] == start.transaction_id

            await station.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=start.transaction_id,
                    meter_value=[{"timestamp": "2024-01-01T10:30:00Z", "sampled_value": [{"value": "1500"}]}],
                )
            )
            stop = await station.call(
                call.StopTransaction(
                    meter_stop=2000,
                    timestamp="2024-01-01T11:00:00Z",
                    transaction_id=start.transaction_id,
                    id_tag="TAG-OK",
                    reason="Local",
                )
            )
            assert stop.id_tag_info == {"status": "Accepted"}

            shadow = await eventually(
                api,
                f"/charge-points/{registered}/shadow",
                lambda s: "activeTransaction" not in s["state"]["reported"]["evses"]["1"],
            )
            reported = shadow["state"]["reported"]
            # The other connector's transaction is still shown: ending one does not hide another.
            assert reported["evses"]["2"]["activeTransaction"]["transactionId"] == second.transaction_id
            assert reported["lastTransaction"]["transactionId"] == start.transaction_id

            records = (await api.aget(f"/charge-points/{registered}/transactions")).json()["transactions"]
            by_id = {record["transactionId"]: record for record in records}
            ended = by_id[str(start.transaction_id)]
            assert ended["status"] == "Ended" and ended["meterStart"] == 1000 and ended["meterStop"] == 2000
            assert ended["lastMeterValue"]["sampledValue"][0]["value"] == "1500"
            assert by_id[str(second.transaction_id)]["status"] == "Started"

            data = await station.call(call.DataTransfer(vendor_id="com.example", message_id="hello"))
            assert data.status == "UnknownVendorId"
            await station.call(call.FirmwareStatusNotification(status="Downloading"))
            await station.call(call.DiagnosticsStatusNotification(status="Uploading"))
            shadow = await eventually(
                api,
                f"/charge-points/{registered}/shadow",
                lambda s: "diagnosticsStatus" in s["state"]["reported"],
            )
            assert shadow["state"]["reported"]["firmwareStatus"]["status"] == "Downloading"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("frame", "expected_code"),
    [
        ("not json", "FormationViolation"),
        ('{"a": 1}', "FormationViolation"),
        ('[7, "m-1", "Heartbeat", {}]', "ProtocolError"),
        ('[2, "m-2", "NoSuchAction", {}]', "NotImplemented"),
        ('[2, "m-3", "Reset", {"type": "Hard"}]', "NotSupported"),
        ('[2, "m-4", "BootNotification", {"chargePointVendor": "V"}]', "OccurenceConstraintViolation"),
        (
            '[2, "m-5", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", "status": "Available"}]',
            "TypeConstraintViolation",
        ),
        (
            '[2, "m-6", "StatusNotification", {"connectorId": 1, "errorCode": "Nope", "status": "Available"}]',
            "PropertyConstraintViolation",
        ),
    ],
)
def test_16_error_codes(system: System, registered: str, frame: str, expected_code: str) -> None:
    async def scenario() -> list[Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp1.6"]) as ws:
            await ws.send(frame)
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            await ws.send('[2, "after", "Heartbeat", {}]')
            after = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return [error, after]

    error, after = asyncio.run(scenario())
    assert error[0] == 4 and error[2] == expected_code
    assert after[:2] == [3, "after"]


def test_retransmitted_start_transaction_gets_the_same_id(system: System, registered: str) -> None:
    frame = json.dumps(
        [
            2,
            "start-1",
            "StartTransaction",
            {"connectorId": 1, "idTag": "ANY", "meterStart": 0, "timestamp": "2024-01-01T10:00:00Z"},
        ]
    )

    async def scenario() -> tuple[Any, Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp1.6"]) as ws:
            await ws.send(frame)
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))
            await ws.send(frame)
            second = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return first, second

    first, second = asyncio.run(scenario())
    assert first[0] == 3 and second[0] == 3
    assert first[2]["transactionId"] == second[2]["transactionId"]
    assert first[2]["idTagInfo"] == {"status": "Invalid"}


def test_start_transaction_sent_again_on_a_new_connection_gets_the_same_id(
    system: System, registered: str
) -> None:
    """A station that lost its connection (a gateway killed or drained) sends its StartTransaction
    again, same id and payload, on the next one: one transaction, not two."""
    frame = json.dumps(
        [
            2,
            "start-again-1",
            "StartTransaction",
            {"connectorId": 1, "idTag": "ANY", "meterStart": 7, "timestamp": "2024-01-02T10:00:00Z"},
        ]
    )

    async def answer_on_a_new_connection() -> Any:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp1.6"]) as ws:
            await ws.send(frame)
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    first = asyncio.run(answer_on_a_new_connection())
    second = asyncio.run(answer_on_a_new_connection())
    assert first[0] == 3 and second[0] == 3
    assert isinstance(first[2]["transactionId"], int)
    assert first[2]["transactionId"] == second[2]["transactionId"]
