"""The charging-profiles API with real 1.6 and 2.0.1 stations: one model in, each version's payload out,
kept only when the station accepts; refusals with the reason."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.charging import charging16, charging201
from tests.support.system import System

pytestmark = pytest.mark.e2e

DEFAULT_16A: dict[str, Any] = {
    "stackLevel": 0,
    "purpose": "TxDefaultProfile",
    "kind": "Relative",
    "evseId": 1,
    "schedule": {"rateUnit": "A", "periods": [{"start": 0, "limit": 16, "phases": 3}]},
}


def test_profiles_on_both_versions(system: System, api: Api) -> None:
    asyncio.run(both_versions(system, api))


async def both_versions(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    new, old, no = f"CP-PR-{run}-201", f"CP-PR-{run}-16", f"CP-PR-{run}-no"
    for station_id in (new, old, no):
        api.register(station_id)
    offline = await api.arequest("PUT", f"/charge-points/{new}/charging-profiles/7", json=DEFAULT_16A)
    assert offline.status_code == 409, offline.text
    async with (
        charging201(system.gateway_url, new) as station201,
        charging16(system.gateway_url, old) as station16,
        charging201(system.gateway_url, no, answer="Rejected"),  # connected, and refusing every profile
    ):
        for station, station_id in ((station201, new), (station16, old)):
            put = await api.arequest(
                "PUT", f"/charge-points/{station_id}/charging-profiles/7", json=DEFAULT_16A
            )
            assert put.status_code == 200, put.text
            assert put.json()["result"] == {"status": "Accepted"}
            assert station.profiles.default_limit() == 16.0
            listed = (await api.aget(f"/charge-points/{station_id}/charging-profiles")).json()
            assert [p["id"] for p in listed["chargingProfiles"]] == [7]
            assert (await api.aget(f"/charge-points/{station_id}/charging-profiles/7")).json()[
                "schedule"
            ] == (DEFAULT_16A["schedule"])
        refused = await api.arequest("PUT", f"/charge-points/{no}/charging-profiles/7", json=DEFAULT_16A)
        assert refused.status_code == 409 and "Rejected" in refused.json()["error"]
        assert (await api.aget(f"/charge-points/{no}/charging-profiles")).json()["chargingProfiles"] == []

        tx_16 = {**DEFAULT_16A, "purpose": "TxProfile", "transactionId": "not-a-number"}
        for station_id, body, reason in (
            (
                new,
                {**DEFAULT_16A, "schedule": {"rateUnit": "A", "periods": [{"start": 0, "limit": -1}]}},
                "limit",
            ),
            (new, {**DEFAULT_16A, "purpose": "Nonsense"}, "purpose"),
            (old, tx_16, "integer"),
        ):
            response = await api.arequest(
                "PUT", f"/charge-points/{station_id}/charging-profiles/8", json=body
            )
            assert response.status_code == 400 and reason in response.json()["error"], response.text
        reserved = await api.arequest(
            "PUT", f"/charge-points/{new}/charging-profiles/160001", json=DEFAULT_16A
        )
        assert reserved.status_code == 400 and "allocator" in reserved.json()["error"]
        assert (await api.aget("/charge-points/CP-NOBODY/charging-profiles")).status_code == 404

        for station, station_id, cleared in (
            (station201, new, {"charging_profile_id": 7}),
            (station16, old, {"id": 7}),
        ):
            deleted = await api.adelete(f"/charge-points/{station_id}/charging-profiles/7")
            assert deleted.status_code == 200 and deleted.json()["deleted"] is True, deleted.text
            assert station.profiles.cleared == [cleared]
            assert (await api.aget(f"/charge-points/{station_id}/charging-profiles")).json()[
                "chargingProfiles"
            ] == []
            assert (await api.aget(f"/charge-points/{station_id}/charging-profiles/7")).status_code == 404


def test_a_station_in_a_site_takes_only_station_max_profiles(system: System, api: Api) -> None:
    asyncio.run(in_a_site(system, api))


async def in_a_site(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    station_id, site = f"CP-PR-{run}-site", f"site-pr-{run}"
    api.register(station_id)
    assert (await api.arequest("PUT", f"/sites/{site}", json={"limit": {"amps": 32}})).status_code == 201
    assert (
        await api.arequest("PATCH", f"/charge-points/{station_id}", json={"site": site})
    ).status_code == 200
    async with charging201(system.gateway_url, station_id) as station:
        refused = await api.arequest(
            "PUT", f"/charge-points/{station_id}/charging-profiles/7", json=DEFAULT_16A
        )
        assert refused.status_code == 409 and "allocator" in refused.json()["error"], refused.text
        station_max = {**DEFAULT_16A, "purpose": "ChargingStationMaxProfile", "evseId": 0}
        accepted = await api.arequest(
            "PUT", f"/charge-points/{station_id}/charging-profiles/8", json=station_max
        )
        assert accepted.status_code == 200, accepted.text
        assert [a.purpose for a in station.profiles.applied][-1] == "ChargingStationMaxProfile"


def test_at_most_16_profiles_per_station(system: System, api: Api) -> None:
    asyncio.run(sixteen(system, api))


async def sixteen(system: System, api: Api) -> None:
    station_id = f"CP-PR-{uuid.uuid4().hex[:8]}-many"
    api.register(station_id)
    station_max = {**DEFAULT_16A, "purpose": "ChargingStationMaxProfile", "evseId": 0}
    async with charging201(system.gateway_url, station_id) as station:
        for profile_id in range(1, 17):
            body = {**station_max, "stackLevel": profile_id}
            put = await api.arequest(
                "PUT", f"/charge-points/{station_id}/charging-profiles/{profile_id}", json=body
            )
            assert put.status_code == 200, put.text
        sent = len(station.profiles.applied)
        refused = await api.arequest(
            "PUT", f"/charge-points/{station_id}/charging-profiles/17", json=station_max
        )
        assert refused.status_code == 409 and "at most 16" in refused.json()["error"]
        assert len(station.profiles.applied) == sent, "refused before anything was sent"
        replaced = await api.arequest(
            "PUT", f"/charge-points/{station_id}/charging-profiles/16", json=station_max
        )
        assert replaced.status_code == 200, "replacing a kept profile is not a 17th"
