"""Tariffs assigned to a site, and a site's time zone in billing, with a real 1.6 station:
the station's assignment wins over its site's, which wins over its token's group."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import websockets
from ocpp.v16 import call as call16

from tests.support.api import Api
from tests.support.stations import Station16, running
from tests.support.system import System

pytestmark = pytest.mark.e2e

T0 = "2025-01-14T10:00:00Z"
T60 = "2025-01-14T11:00:00Z"


def energy_tariff(tariff_id: str, price: float, **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "price_components": [{"type": "ENERGY", "price": price, "vat": 0, "step_size": 1}]
    }
    if restrictions:
        element["restrictions"] = restrictions
    return {"id": tariff_id, "currency": "EUR", "elements": [element]}


def day_night_tariff(tariff_id: str) -> dict[str, Any]:
    """1.00 per kWh from 08:00 to 20:00 (in the time zone that applies), 0.10 otherwise."""
    day = energy_tariff(tariff_id, 1.00, start_time="08:00", end_time="20:00")
    night = energy_tariff(tariff_id, 0.10)
    return {**day, "elements": day["elements"] + night["elements"]}


async def session_cost(system: System, api: Api, station: str, tag: str) -> tuple[list[str], float]:
    """One 8 kWh session from 10:00 to 11:00 UTC; its tariff ids and total excluding VAT."""
    async with websockets.connect(f"{system.gateway_url}/{station}", subprotocols=["ocpp1.6"]) as ws:
        async with running(Station16(station, ws)) as cp:
            await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            started = await cp.call(
                call16.StartTransaction(connector_id=1, id_tag=tag, meter_start=1_000, timestamp=T0)
            )
            tx = started.transaction_id
            await cp.call(
                call16.StopTransaction(meter_stop=9_000, timestamp=T60, transaction_id=tx, reason="Local")
            )
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        response = await api.aget(f"/sessions/{station}:{tx}")
        if response.status_code == 200 and response.json()["status"] == "completed":
            session = response.json()
            return session["tariffIds"], session["cost"]["totalCost"]["excl_vat"]
        assert asyncio.get_running_loop().time() < deadline, response.text
        await asyncio.sleep(0.1)


def test_site_tariff_precedence_and_time_zone(system: System, api: Api, registered: str) -> None:
    run = uuid.uuid4().hex[:8]
    site, group, tag = f"site-{run}", f"G-{run}", f"TAG-{run}"
    day_night, flat, group_tariff = f"dn-{run}", f"flat-{run}", f"grp-{run}"
    for body in (day_night_tariff(day_night), energy_tariff(flat, 0.30), energy_tariff(group_tariff, 0.50)):
        assert api.post("/tariffs", json=body).status_code == 201
    assert api.request("PUT", f"/id-tokens/{tag}", json={"status": "Accepted", "groupIdToken": group}).ok
    assert api.request("PUT", f"/tariff-assignments/groups/{group}", json={"tariffIds": [group_tariff]}).ok
    # Auckland in January is UTC+13: 10:00-11:00 UTC is 23:00-00:00 there, the night price.
    site_body = {"limit": {"amps": 63}, "timeZone": "Pacific/Auckland"}
    assert api.request("PUT", f"/sites/{site}", json=site_body).status_code == 201
    assigned = api.request("PUT", f"/tariff-assignments/sites/{site}", json={"tariffIds": [day_night]})
    assert assigned.status_code == 200 and assigned.json()["target"] == f"site:{site}"
    assert api.get("/tariff-assignments").json()["assignments"][f"site:{site}"] == [day_night]

    assert asyncio.run(session_cost(system, api, registered, tag)) == ([group_tariff], 4.0), (
        "not in the site yet"
    )
    assert api.request("PATCH", f"/charge-points/{registered}", json={"site": site}).ok
    assert asyncio.run(session_cost(system, api, registered, tag)) == ([day_night], 0.8), (
        "site over group, local night"
    )
    assert api.request(
        "PUT", f"/sites/{site}", json={"limit": {"amps": 63}}
    ).ok  # no time zone: the tariff's (UTC)
    assert asyncio.run(session_cost(system, api, registered, tag)) == ([day_night], 8.0), "UTC day"
    station_target = f"/tariff-assignments/stations/{registered}"
    assert api.request("PUT", station_target, json={"tariffIds": [flat]}).ok
    assert asyncio.run(session_cost(system, api, registered, tag)) == ([flat], 2.4), "station over site"

    refused = api.request("PUT", "/tariff-assignments/sites/bad%20id", json={"tariffIds": [flat]})
    assert refused.status_code == 400
    for path in (station_target, f"/tariff-assignments/sites/{site}", f"/tariff-assignments/groups/{group}"):
        assert api.request("PUT", path, json={"tariffIds": []}).ok
