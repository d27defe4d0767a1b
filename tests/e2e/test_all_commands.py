"""Every CSMS→station command of the issue, through the API, answered by the ocpp library's own stations.

Per version, one station connection receives all commands one after another
(``POST /charge-points/{id}/commands/{Action}?wait=5``); a module fixture does
the exchange once and the parametrized tests check each command: the HTTP
answer, the exact frame the station got on its socket, what the library handed
to the station's handler, and the command record of ``GET /commands/{messageId}``.
The stations (tests/support/stations.py: CommandStation201, CommandStation16)
validate every call they receive and every answer they send against their
version's schemas, so an answered command is also a schema-valid one both ways.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from ocpp.charge_point import snake_to_camel_case

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import command_station16, command_station201
from tests.support.system import System

pytestmark = pytest.mark.e2e

SCHEDULE_PERIODS = [
    {"startPeriod": 0, "limit": 21.4, "numberPhases": 3},
    {"startPeriod": 1800, "limit": 16.0},
]

# (action, request body, the station's exact answer)
COMMANDS_201: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("Reset", {"type": "OnIdle", "evseId": 1}, {"status": "Scheduled"}),
    (
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        {"status": "Scheduled"},
    ),
    ("UnlockConnector", {"evseId": 1, "connectorId": 2}, {"status": "Unlocked"}),
    (
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        {"status": "Accepted"},
    ),
    (
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                    "attributeType": "Actual",
                },
            ]
        },
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeType": "Actual",
                    "attributeValue": "value-of-HeartbeatInterval",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attributeStatus": "Accepted",
                    "attributeType": "Actual",
                    "attributeValue": "value-of-AvailabilityState",
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "AvailabilityState"},
                },
            ]
        },
    ),
    (
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": "60",
                    "attributeType": "Target",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
        {
            "setVariableResult": [
                {
                    "attributeType": "Target",
                    "attributeStatus": "RebootRequired",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        },
    ),
    ("ClearCache", {}, {"status": "Accepted"}),
    (
        "DataTransfer",
        {"vendorId": "com.example", "messageId": "ping", "data": {"n": 1, "s": "x"}},
        {"status": "Accepted", "data": {"echo": {"n": 1, "s": "x"}}},
    ),
    (
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 10,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "startSchedule": "2024-01-01T10:00:00Z",
                        "chargingRateUnit": "A",
                        "minChargingRate": 6.1,
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 21.4},
                            {"startPeriod": 1800, "limit": 6.1, "numberPhases": 1},
                        ],
                    }
                ],
            },
        },
        {"status": "Accepted"},
    ),
    ("ClearChargingProfile", {"chargingProfileId": 10}, {"status": "Unknown"}),
    (
        "GetCompositeSchedule",
        {"duration": 3600, "evseId": 1, "chargingRateUnit": "W"},
        {
            "status": "Accepted",
            "schedule": {
                "evseId": 1,
                "duration": 3600,
                "scheduleStart": "2024-01-01T10:00:00Z",
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": SCHEDULE_PERIODS,
            },
        },
    ),
    (
        "UpdateFirmware",
        {
            "requestId": 5,
            "retries": 2,
            "retryInterval": 30,
            "firmware": {
                "location": "https://fw.example.com/v2.bin",
                "retrieveDateTime": "2024-01-01T10:00:00Z",
            },
        },
        {"status": "AcceptedCanceled"},
    ),
    (
        "GetLog",
        {
            "logType": "DiagnosticsLog",
            "requestId": 6,
            "log": {"remoteLocation": "https://logs.example.com/up"},
        },
        {"status": "Accepted", "filename": "log-6.tar.gz"},
    ),
    (
        "ReserveNow",
        {
            "id": 77,
            "expiryDateTime": "2030-01-01T10:00:00Z",
            "idToken": {"idToken": "RES-201", "type": "ISO14443"},
            "evseId": 1,
        },
        {"status": "Occupied"},
    ),
    (
        "CancelReservation",
        {"reservationId": 77},
        {"status": "Rejected", "statusInfo": {"reasonCode": "NoReservation"}},
    ),
    (
        "SendLocalList",
        {
            "versionNumber": 3,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idToken": {"idToken": "LL-201", "type": "ISO14443"}, "idTokenInfo": {"status": "Accepted"}}
            ],
        },
        {"status": "VersionMismatch"},
    ),
    ("GetLocalListVersion", {}, {"versionNumber": 42}),
    ("GetBaseReport", {"requestId": 8, "reportBase": "FullInventory"}, {"status": "EmptyResultSet"}),
]

COMMANDS_16: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("Reset", {"type": "Soft"}, {"status": "Accepted"}),
    ("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, {"status": "Scheduled"}),
    ("UnlockConnector", {"connectorId": 2}, {"status": "Unlocked"}),
    ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}, {"status": "Accepted"}),
    (
        "GetConfiguration",
        {"key": ["HeartbeatInterval"]},
        {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]},
    ),
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}, {"status": "RebootRequired"}),
    ("ClearCache", {}, {"status": "Accepted"}),
    (
        "DataTransfer",
        {"vendorId": "com.example", "messageId": "ping", "data": "hello"},
        {"status": "Accepted", "data": "echo:hello"},
    ),
    (
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 10,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": {
                    "startSchedule": "2024-01-01T10:00:00Z",
                    "chargingRateUnit": "A",
                    "minChargingRate": 6.1,
                    # 21.4 is 21.399999999999998… as a binary float: a multipleOf 0.1 check on floats fails.
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 21.4},
                        {"startPeriod": 1800, "limit": 6.1, "numberPhases": 1},
                    ],
                },
            },
        },
        {"status": "Accepted"},
    ),
    (
        "ClearChargingProfile",
        {"id": 10, "connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0},
        {"status": "Unknown"},
    ),
    (
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"},
        {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": "2024-01-01T10:00:00Z",
            "chargingSchedule": {
                "duration": 3600,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": SCHEDULE_PERIODS,
            },
        },
    ),
    (
        "UpdateFirmware",
        {
            "location": "https://fw.example.com/v2.bin",
            "retrieveDate": "2024-01-01T10:00:00Z",
            "retries": 2,
            "retryInterval": 30,
        },
        {},
    ),
    (
        "GetDiagnostics",
        {
            "location": "ftp://diag.example.com/upload/",
            "retries": 1,
            "startTime": "2024-01-01T00:00:00Z",
            "stopTime": "2024-01-02T00:00:00Z",
        },
        {"fileName": "diagnostics-1.zip"},
    ),
    (
        "ReserveNow",
        {"connectorId": 1, "expiryDate": "2030-01-01T10:00:00Z", "idTag": "RES-16", "reservationId": 5},
        {"status": "Occupied"},
    ),
    ("CancelReservation", {"reservationId": 5}, {"status": "Rejected"}),
    (
        "SendLocalList",
        {
            "listVersion": 2,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "LL-16", "idTagInfo": {"status": "Accepted", "expiryDate": "2030-01-01T00:00:00Z"}}
            ],
        },
        {"status": "VersionMismatch"},
    ),
    ("GetLocalListVersion", {}, {"listVersion": 7}),
]

ISSUE_COMMANDS_201 = [
    "Reset", "ChangeAvailability", "UnlockConnector", "TriggerMessage", "GetVariables", "SetVariables",
    "ClearCache", "DataTransfer", "SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule",
    "UpdateFirmware", "GetLog", "ReserveNow", "CancelReservation", "SendLocalList", "GetLocalListVersion",
    "GetBaseReport",
]  # fmt: skip
ISSUE_COMMANDS_16 = [
    "Reset", "ChangeAvailability", "UnlockConnector", "TriggerMessage", "GetConfiguration",
    "ChangeConfiguration", "ClearCache", "DataTransfer", "SetChargingProfile", "ClearChargingProfile",
    "GetCompositeSchedule", "UpdateFirmware", "GetDiagnostics", "ReserveNow", "CancelReservation",
    "SendLocalList", "GetLocalListVersion",
]  # fmt: skip


def exact(value: Any) -> Any:
    """JSON with every number read as written (Decimal), so 21.4 and 21.399999999999999 differ."""
    return json.loads(json.dumps(value, default=float), parse_float=Decimal)


@dataclass
class Exchange:
    """Everything observed about one command."""

    station_id: str
    status_code: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    frames: list[Any] = field(default_factory=list)
    """The Call frames the station's socket got while this command ran (Decimal numbers)."""
    handled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(action, payload) as the library handed them to the station's handlers."""
    record: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


async def command_record(api: Api, message_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """GET /commands/{messageId} until it leaves the "sent" state (the record is written asynchronously).

    On timeout the failure is returned as the record, not raised: the module's fixture reads every
    command's record at once, and each command's own test reports it (``state`` is then missing)."""

    async def settled() -> dict[str, Any] | NotYet:
        response = await api.aget(f"/commands/{message_id}")
        if response.status_code == 200 and response.json().get("state") != "sent":
            return dict(response.json())
        return NotYet(response.text)

    try:
        return await wait_until_async(settled, timeout, message=f"command {message_id} left the sent state")
    except AssertionError as error:
        return {"error": str(error)}


async def send_all(
    api: Api, station: Any, station_id: str, commands: list[tuple[str, dict[str, Any], dict[str, Any]]]
) -> dict[str, Exchange]:
    exchanges: dict[str, Exchange] = {}
    for action, body, _ in commands:
        exchange = exchanges[action] = Exchange(station_id)
        first_frame = len(station.calls)
        try:
            response = await api.apost(f"/charge-points/{station_id}/commands/{action}?wait=5", json=body)
            exchange.status_code = response.status_code
            exchange.body = response.json()
            exchange.frames = [
                json.loads(frame, parse_float=Decimal) for frame in station.calls[first_frame:]
            ]
            while not station.received.empty():
                handled_action, payload, _ = station.received.get_nowait()
                exchange.handled.append((handled_action, payload))
        except Exception as error:  # noqa: BLE001 - reported by the command's own test
            exchange.error = f"{type(error).__name__}: {error}"

    async def fetch_record(exchange: Exchange) -> None:
        if "messageId" in exchange.body:
            exchange.record = await command_record(api, exchange.body["messageId"])

    # The records are read once all commands are answered, side by side.
    await asyncio.gather(*(fetch_record(exchange) for exchange in exchanges.values()))
    return exchanges


async def exchange_all(api: Api, gateway_url: str, version: str) -> dict[str, Exchange]:
    """Register a station, connect it with its version, and send it every command of the version's table."""
    station_id = f"CP-CMD-{uuid.uuid4().hex[:10]}"
    assert (await api.apost("/charge-points", json={"chargePointId": station_id})).status_code == 201
    try:
        if version == "1.6":
            async with command_station16(gateway_url, station_id) as station16:
                return await send_all(api, station16, station_id, COMMANDS_16)
        async with command_station201(gateway_url, station_id) as station201:
            return await send_all(api, station201, station_id, COMMANDS_201)
    finally:
        await api.adelete(f"/charge-points/{station_id}")


@pytest.fixture(scope="module")
def exchanges(system: System) -> dict[str, dict[str, Exchange]]:
    """Both versions' exchanges, each on its own connection, the two stations side by side."""
    api = Api(system.api_url)

    async def both() -> dict[str, dict[str, Exchange]]:
        v201, v16 = await asyncio.gather(
            exchange_all(api, system.gateway_url, "2.0.1"), exchange_all(api, system.gateway_url, "1.6")
        )
        return {"2.0.1": v201, "1.6": v16}

    return asyncio.run(both())


def check(exchange: Exchange, action: str, body: dict[str, Any], result: dict[str, Any]) -> None:
    assert exchange.error is None, exchange.error
    assert exchange.status_code == 200, exchange.body
    message_id = exchange.body["messageId"]
    assert exchange.body == {
        "messageId": message_id,
        "chargePointId": exchange.station_id,
        "action": action,
        "state": "answered",
        "result": result,
    }
    assert exact(exchange.body["result"]) == exact(result)
    # The station got exactly one frame: this call, with the payload as sent, every number as written.
    assert exchange.frames == [[2, message_id, action, exact(body)]]
    # ... and the library handed that payload (snake_case) to the station's handler for the action.
    assert [(handled, exact(snake_to_camel_case(payload))) for handled, payload in exchange.handled] == [
        (action, exact(body))
    ]
    record = exchange.record
    assert record.get("state") == "answered", record
    assert record["action"] == action
    assert record["messageId"] == message_id
    assert record["chargePointId"] == exchange.station_id
    assert exact(record["request"]) == exact(body)
    assert exact(record["payload"]) == exact(result)


def test_the_tables_cover_the_issue() -> None:
    assert [action for action, _, _ in COMMANDS_201] == ISSUE_COMMANDS_201
    assert [action for action, _, _ in COMMANDS_16] == ISSUE_COMMANDS_16


@pytest.mark.parametrize(("action", "body", "result"), COMMANDS_201, ids=[c[0] for c in COMMANDS_201])
def test_201_command(
    exchanges: dict[str, dict[str, Exchange]], action: str, body: dict[str, Any], result: dict[str, Any]
) -> None:
    check(exchanges["2.0.1"][action], action, body, result)


@pytest.mark.parametrize(("action", "body", "result"), COMMANDS_16, ids=[c[0] for c in COMMANDS_16])
def test_16_command(
    exchanges: dict[str, dict[str, Exchange]], action: str, body: dict[str, Any], result: dict[str, Any]
) -> None:
    check(exchanges["1.6"][action], action, body, result)
