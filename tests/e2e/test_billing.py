"""Billing end to end: tariffs over the API, real 1.6 and 2.0.1 stations, sessions, totalCost,
CostUpdated, CSV and CDRs. A private broker, Redis and the four services, with CostUpdated every
second (BILLING_COST_UPDATE_INTERVAL=1), so the timer is seen within the test."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201

from tests.support.api import Api
from tests.support.billing import billing_system as running_billing_system
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, Station201, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

T0 = "2025-01-14T10:00:00Z"
T30 = "2025-01-14T10:30:00Z"
T60 = "2025-01-14T11:00:00Z"


def energy_tariff(tariff_id: str, price: float) -> dict[str, Any]:
    return {
        "id": tariff_id,
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": price, "vat": 20, "step_size": 1}]}],
    }


TAG_201 = {"id_token": "TAG-201", "type": "ISO14443"}


def transaction_event(
    transaction_id: str,
    seq_no: int,
    event_type: str,
    timestamp: str,
    wh: float,
    *,
    trigger: str = "MeterValuePeriodic",
    context: str | None = None,
    offline: bool = False,
    id_token: dict[str, str] | None = None,
) -> Any:
    """A 2.x TransactionEvent on EVSE 1 with one energy reading (stopped locally when ``Ended``)."""
    info: dict[str, Any] = {"transaction_id": transaction_id}
    if event_type == "Ended":
        info["stopped_reason"] = "Local"
    sampled: dict[str, Any] = {"value": wh}
    if context is not None:
        sampled["context"] = context
    return call201.TransactionEvent(
        event_type=event_type,
        timestamp=timestamp,
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info=info,
        evse={"id": 1, "connector_id": 1},
        id_token=id_token,
        offline=offline or None,
        meter_value=[{"timestamp": timestamp, "sampled_value": [sampled]}],
    )


async def assign_tariff(api: Api, station: str, tariff: dict[str, Any]) -> None:
    """Create ``tariff`` and make it the station's one tariff."""
    assert (await api.apost("/tariffs", json=tariff)).status_code == 201
    body = {"tariffIds": [tariff["id"]]}
    assert (
        await api.arequest("PUT", f"/tariff-assignments/stations/{station}", json=body)
    ).status_code == 200


@pytest.fixture(scope="module")
def billing_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_billing_system(tmp_path_factory, BILLING_COST_UPDATE_INTERVAL="1") as system:
        yield system


@pytest.fixture
def bill_api(billing_system: System) -> Api:
    return Api(billing_system.api_url)


@pytest.fixture
def station(bill_api: Api) -> str:
    station_id = f"CP-BILL-{uuid.uuid4().hex[:8]}"
    bill_api.register(station_id)
    return station_id


async def session_once(api: Api, session_id: str, status: str, seconds: float = 10) -> dict[str, Any]:
    async def in_status() -> dict[str, Any] | NotYet:
        response = await api.aget(f"/sessions/{session_id}")
        if response.status_code == 200 and response.json()["status"] == status:
            return dict(response.json())
        return NotYet(f"{response.status_code} {response.text}")

    return await wait_until_async(
        in_status, seconds, interval=0.1, message=f"session {session_id} is {status}"
    )


class CostStation201(Station201):
    """A 2.0.1 station that takes CostUpdated calls and remembers them."""

    @on("CostUpdated")
    async def on_cost_updated(self, **payload: Any) -> call_result201.CostUpdated:
        await self._record("CostUpdated", payload)
        return call_result201.CostUpdated()

    @on("GetTransactionStatus")
    async def on_get_transaction_status(self, **payload: Any) -> call_result201.GetTransactionStatus:
        await self._record("GetTransactionStatus", payload)
        return call_result201.GetTransactionStatus(messages_in_queue=True, ongoing_indicator=False)


def test_tariffs_crud_and_refusals(bill_api: Api, station: str) -> None:
    tariff_id = f"t-{uuid.uuid4().hex[:8]}"
    created = bill_api.post("/tariffs", json=energy_tariff(tariff_id, 0.30))
    assert created.status_code == 201, created.text
    assert created.json()["time_zone"] == "UTC"
    assert bill_api.post("/tariffs", json=energy_tariff(tariff_id, 0.30)).status_code == 409
    assert bill_api.get(f"/tariffs/{tariff_id}").json()["elements"][0]["price_components"][0]["price"] == 0.30

    refusals = {
        "negative price": (energy_tariff(tariff_id, -0.1), "must not be negative"),
        "unknown currency": ({**energy_tariff(tariff_id, 0.3), "currency": "XYZ"}, "ISO 4217"),
        "overlap": (
            {
                **energy_tariff(tariff_id, 0.3),
                "elements": [
                    {
                        "price_components": [{"type": "ENERGY", "price": 0.3}],
                        "restrictions": {"start_time": "08:00", "end_time": "18:00"},
                    },
                    {
                        "price_components": [{"type": "ENERGY", "price": 0.4}],
                        "restrictions": {"start_time": "17:00", "end_time": "19:00"},
                    },
                ],
            },
            "overlapping",
        ),
    }
    for name, (body, reason) in refusals.items():
        refused = bill_api.request("PUT", f"/tariffs/{tariff_id}", json=body)
        print(f"{name}: {refused.status_code} {refused.json()}")
        assert refused.status_code == 400 and reason in refused.json()["error"], name

    assert (
        bill_api.request("PUT", "/tariff-assignments/default", json={"tariffIds": ["nope"]}).status_code
        == 404
    )
    assigned = bill_api.request(
        "PUT", f"/tariff-assignments/stations/{station}", json={"tariffIds": [tariff_id]}
    )
    assert assigned.status_code == 200, assigned.text
    assert bill_api.get("/tariff-assignments").json()["assignments"][f"station:{station}"] == [tariff_id]
    assert bill_api.delete(f"/tariffs/{tariff_id}").status_code == 409  # still assigned
    assert (
        bill_api.request("PUT", f"/tariff-assignments/stations/{station}", json={"tariffIds": []}).status_code
        == 200
    )
    assert bill_api.delete(f"/tariffs/{tariff_id}").status_code == 200
    assert bill_api.get(f"/tariffs/{tariff_id}").status_code == 404


def test_a_16_session_is_priced_with_a_cdr_and_a_csv_row(
    billing_system: System, bill_api: Api, station: str
) -> None:
    asyncio.run(priced_16_session(billing_system, bill_api, station))


async def priced_16_session(billing_system: System, bill_api: Api, station: str) -> None:
    tariff_id = f"t16-{uuid.uuid4().hex[:8]}"
    await assign_tariff(bill_api, station, energy_tariff(tariff_id, 0.30))

    async with websockets.connect(f"{billing_system.gateway_url}/{station}", subprotocols=["ocpp1.6"]) as ws:
        async with running(Station16(station, ws)) as cp:
            await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            started = await cp.call(
                call16.StartTransaction(connector_id=1, id_tag="TAG-16", meter_start=1_000, timestamp=T0)
            )
            tx = started.transaction_id
            sampled = [{"value": "5000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
            await cp.call(
                call16.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=[{"timestamp": T30, "sampled_value": sampled}],
                )
            )
            await cp.call(
                call16.StopTransaction(meter_stop=9_000, timestamp=T60, transaction_id=tx, reason="Local")
            )

    session_id = f"{station}:{tx}"
    session = await session_once(bill_api, session_id, "completed")
    print(f"1.6 session: {session['energyWh']} Wh, {session['cost']['totalCost']}")
    # 1000 -> 9000 Wh: 8 kWh x 0.30 = 2.40, VAT 20 % 0.48, 2.88.
    assert session["energyWh"] == 8000
    assert session["cost"]["totalCost"] == {"excl_vat": 2.40, "incl_vat": 2.88}
    assert session["meterStartWh"] == 1000 and session["meterStopWh"] == 9000
    assert session["stopReason"] == "Local" and session["idToken"] == "TAG-16"

    cdr = (await bill_api.aget(f"/cdrs/{session_id}")).json()
    assert cdr["total_cost"] == {"excl_vat": 2.40, "incl_vat": 2.88}
    assert cdr["total_energy"] == 8
    listed = (await bill_api.aget("/sessions", params={"chargePointId": station})).json()
    assert [s["id"] for s in listed["sessions"]] == [session_id] and listed["nextCursor"] is None
    exported = await bill_api.aget("/sessions.csv", params={"chargePointId": station})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["id"], row["energyWh"], row["totalInclVat"]) for row in rows] == [
        (session_id, "8000", "2.88")
    ]


def test_a_201_session_gets_cost_updates_and_the_total_on_ended(
    billing_system: System, bill_api: Api, station: str
) -> None:
    asyncio.run(cost_updates_201(billing_system, bill_api, station))


async def cost_updates_201(billing_system: System, bill_api: Api, station: str) -> None:
    tariff_id = f"t201-{uuid.uuid4().hex[:8]}"
    await assign_tariff(bill_api, station, energy_tariff(tariff_id, 0.30))

    def event(seq_no: int, event_type: str, timestamp: str, trigger: str, wh: float, context: str) -> Any:
        return transaction_event(
            "tx-bill-201",
            seq_no,
            event_type,
            timestamp,
            wh,
            trigger=trigger,
            context=context,
            id_token=TAG_201,
        )

    async with websockets.connect(
        f"{billing_system.gateway_url}/{station}", subprotocols=["ocpp2.0.1"]
    ) as ws:
        async with running(CostStation201(station, ws)) as cp:
            await cp.call(
                call201.BootNotification(
                    charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
                )
            )
            started = await cp.call(event(0, "Started", T0, "Authorized", 0, "Transaction.Begin"))
            # The driver sees the price as the transaction starts: 0.30 + 20 % VAT.
            assert started.updated_personal_message == {
                "format": "UTF8",
                "content": "0.36 EUR/kWh (VAT incl.)",
            }
            await cp.call(event(1, "Updated", T30, "MeterValuePeriodic", 4000, "Sample.Periodic"))
            # Running: 4 kWh x 0.30 = 1.20 + VAT 0.24 = 1.44, sent by the shadow's timer (every second).
            action, payload, _ = await asyncio.wait_for(cp.received.get(), 15)
            print(f"running cost: {action} {payload}")
            assert action == "CostUpdated"
            assert payload == {"total_cost": 1.44, "transaction_id": "tx-bill-201"}
            ended = await cp.call(event(2, "Ended", T60, "StopAuthorized", 10000, "Transaction.End"))

    # Final: 10 kWh x 0.30 = 3.00 + VAT 0.60 = 3.60, in the TransactionEventResponse.
    print(f"Ended answered totalCost {ended.total_cost}")
    assert ended.total_cost == 3.60
    session = await session_once(bill_api, f"{station}:tx-bill-201", "completed")
    assert session["cost"]["totalCost"] == {"excl_vat": 3.00, "incl_vat": 3.60}
    assert session["energyNotes"] == []


def test_bad_session_queries_are_refused(bill_api: Api) -> None:
    for params, reason in (
        ({"from": "yesterday"}, "from must be"),
        ({"chargePointId": "a+b"}, ""),
        ({"cursor": "x"}, "cursor"),
        ({"limit": "100000"}, "limit"),
    ):
        refused = bill_api.get("/sessions", params=params)
        assert refused.status_code == 400 and reason in refused.json()["error"], params
    assert bill_api.get("/sessions/nope:1").status_code == 404
    assert bill_api.get("/cdrs/nope:1").status_code == 404


def test_total_cost_on_ended_counts_the_events_just_before_it(
    billing_system: System, bill_api: Api, station: str
) -> None:
    """Events sent back to back: the Ended answer must already include the Updated events whose
    records are still on their way to the shadow service (here they decide the parking time)."""
    asyncio.run(back_to_back_201(billing_system, bill_api, station))


async def back_to_back_201(billing_system: System, bill_api: Api, station: str) -> None:
    tariff = {
        "id": f"park-{uuid.uuid4().hex[:8]}",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.30, "vat": 20},
                    {"type": "PARKING_TIME", "price": 6.00, "vat": 20},
                ]
            }
        ],
    }
    await assign_tariff(bill_api, station, tariff)

    event = functools.partial(transaction_event, "tx-b2b")

    async with websockets.connect(
        f"{billing_system.gateway_url}/{station}", subprotocols=["ocpp2.0.1"]
    ) as ws:
        async with running(CostStation201(station, ws)) as cp:
            await cp.call(event(0, "Started", T0, 0))
            await cp.call(event(1, "Updated", T30, 6000))
            await cp.call(event(2, "Updated", "2025-01-14T10:50:00Z", 6000))
            ended = await cp.call(event(3, "Ended", T60, 6000))

    # 6 kWh x 0.30 = 1.80; parked 10:30-11:00, 0.5 h x 6.00 = 3.00; 4.80 + VAT 0.96 = 5.76.
    # (Priced without the two Updated events, the hour would be one charging stretch: 2.16.)
    session = await session_once(bill_api, f"{station}:tx-b2b", "completed")
    print(f"back to back: Ended answered {ended.total_cost}, session {session['cost']['totalCost']}")
    assert ended.total_cost == 5.76
    assert session["cost"]["totalCost"] == {"excl_vat": 4.80, "incl_vat": 5.76}


def test_a_seq_no_gap_keeps_the_session_open_and_asks_the_station(
    billing_system: System, bill_api: Api, station: str
) -> None:
    """E14: Ended arrives (offline) before a queued Updated; the CSMS asks GetTransactionStatus, keeps the
    session awaitingEvents, and completes it when the missing event comes."""
    asyncio.run(gap_201(billing_system, bill_api, station))


async def gap_201(billing_system: System, bill_api: Api, station: str) -> None:
    tariff_id = f"gap-{uuid.uuid4().hex[:8]}"
    await assign_tariff(bill_api, station, energy_tariff(tariff_id, 0.30))

    event = functools.partial(transaction_event, "tx-gap")
    session_id = f"{station}:tx-gap"
    async with websockets.connect(
        f"{billing_system.gateway_url}/{station}", subprotocols=["ocpp2.0.1"]
    ) as ws:
        async with running(CostStation201(station, ws)) as cp:
            await cp.call(event(0, "Started", T0, 1000, offline=False))
            ended = await cp.call(event(2, "Ended", T60, 6000, offline=True))
            action, payload, _ = await asyncio.wait_for(cp.received.get(), 15)
            while action == "CostUpdated":  # the timer may have caught the running session first
                action, payload, _ = await asyncio.wait_for(cp.received.get(), 15)
            print(f"gap: Ended answered {ended.total_cost} (provisional), then {action} {payload}")
            assert (action, payload) == ("GetTransactionStatus", {"transaction_id": "tx-gap"})
            waiting = await session_once(bill_api, session_id, "awaitingEvents")
            assert any("seqNo 1 not received" in note for note in waiting["energyNotes"])
            assert (await bill_api.aget(f"/cdrs/{session_id}")).status_code == 404
            await cp.call(event(1, "Updated", T30, 3000, offline=True))

    # 1000 -> 3000 -> 6000: 5 kWh x 0.30 = 1.50 + VAT 0.30 = 1.80.
    session = await session_once(bill_api, session_id, "completed")
    assert session["energyWh"] == 5000
    assert session["cost"]["totalCost"] == {"excl_vat": 1.50, "incl_vat": 1.80}
    assert (await bill_api.aget(f"/cdrs/{session_id}")).status_code == 200
