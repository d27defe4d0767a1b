"""A station's answers to CSMS calls and the handler's metric labels (issue 12, point 10, parts).

A CallResult that breaks its action's response schema is recorded, and returned to the waiting
caller, as state ``error`` with the violation (main said ``answered``). An action name the station
makes up never becomes a Prometheus label value (main: one series per name).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import requests
import websockets

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.raw_calls import call
from tests.support.system import System

pytestmark = pytest.mark.e2e


async def settled_record(api: Api, message_id: str) -> Any:
    """The command record once the shadow service has folded the station's answer in: it is written a
    moment after the waiting caller is answered."""

    async def settled() -> Any:
        record = (await api.aget(f"/commands/{message_id}")).json()
        return NotYet(record) if record["state"] == "sent" else record

    return await wait_until_async(settled, 5, message=f"the record of {message_id} leaves state sent")


def test_a_schema_breaking_answer_is_an_error_not_answered(api: Api, system: System, registered: str) -> None:
    async def scenario() -> tuple[Any, Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            pending = asyncio.create_task(
                api.apost(f"/charge-points/{registered}/commands/Reset?wait=10", json={"type": "Immediate"})
            )
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame[2] == "Reset"
            await ws.send(json.dumps([3, frame[1], {"status": "Maybe"}]))
            response = await pending
            return response, await settled_record(api, frame[1])

    response, record = asyncio.run(scenario())
    print(f"schema-breaking Reset answer: HTTP {response.status_code}, state {record['state']}")
    assert response.status_code == 502, response.text
    assert response.json()["state"] == "error"
    assert record["state"] == "error"
    assert record["errorCode"] == "PropertyConstraintViolation"
    assert "'Maybe' is not one of" in record["errorDescription"]
    assert "payload" not in record


def test_made_up_action_names_never_become_metric_labels(system: System, registered: str) -> None:
    invented = [f"Evil{uuid.uuid4().hex}" for _ in range(20)]

    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            for number, action in enumerate(invented):
                reply = await call(ws, [2, f"m{number}", action, {}])
                assert reply[2] == "NotImplemented"

    asyncio.run(scenario())
    metrics = requests.get(f"{system.processes['ocpp-handler'].admin_url}/metrics", timeout=5).text
    leaked = [action for action in invented if action in metrics]
    unknown = [line for line in metrics.splitlines() if 'action="unknown"' in line and "frames_total" in line]
    print(f"made-up action names in the handler's metrics: {len(leaked)} of {len(invented)}; {unknown}")
    assert leaked == []
    assert unknown


def test_a_large_answer_reaches_the_caller_but_not_the_record(
    api: Api, system: System, registered: str
) -> None:
    """A station's answer over HANDLER_MAX_ANSWER_BYTES (64 KiB): the waiting caller gets it whole,
    the command record (kept 7 days) keeps its size instead of its payload."""
    data = "x" * 200_000

    async def scenario() -> tuple[Any, Any]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            pending = asyncio.create_task(
                api.apost(
                    f"/charge-points/{registered}/commands/DataTransfer?wait=10", json={"vendorId": "v"}
                )
            )
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(json.dumps([3, frame[1], {"status": "Accepted", "data": data}]))
            response = await pending
            return response, await settled_record(api, frame[1])

    response, record = asyncio.run(scenario())
    print(f"200 KB answer: caller got {len(response.text)} bytes, record {len(json.dumps(record))} bytes")
    assert response.status_code == 200, response.text[:300]
    assert response.json()["result"]["data"] == data
    assert record["state"] == "answered"
    assert "payload" not in record
    assert record["payloadOmitted"] is True and record["payloadBytes"] > 200_000
