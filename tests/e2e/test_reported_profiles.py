"""The profiles a 2.0.1 station reports (GetChargingProfiles, answered with ReportChargingProfiles) are
kept in its shadow (``reported.chargingProfiles``) and listed by
``GET /charge-points/{id}/charging-profiles?source=station``. A real ocpp-library station that
installs the allocator's profiles and reports them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.e2e.test_smart_charging import join, put_site
from tests.support.api import Api
from tests.support.charging import charging201
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_reported_profiles_are_kept_and_listed(system: System, api: Api) -> None:
    asyncio.run(reported(system, api))


async def reported(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site, station_id = f"site-rep-{run}", f"CP-REP-{run}"
    api.register(station_id)
    await put_site(api, site, 32)
    await join(api, station_id, site)
    async with charging201(system.gateway_url, station_id) as station:
        await station.start_transaction(f"tx-{run}")
        await wait_until_async(
            lambda: station.profiles.tx_limit(f"tx-{run}") == 32.0 and len(station.installed) == 2,
            message="the failsafe TxDefaultProfile and the allocator's TxProfile installed",
        )
        response = await api.arequest(
            "POST",
            f"/charge-points/{station_id}/commands/GetChargingProfiles?wait=10",
            json={"requestId": 42, "chargingProfile": {}},
        )
        assert response.status_code == 200 and response.json()["result"] == {"status": "Accepted"}, (
            response.text
        )

        async def listed() -> list[dict[str, Any]] | NotYet:
            answer = await api.arequest(
                "GET", f"/charge-points/{station_id}/charging-profiles?source=station"
            )
            assert answer.status_code == 200, answer.text
            profiles: list[dict[str, Any]] = answer.json()["chargingProfiles"]
            return profiles if len(profiles) == 2 else NotYet(profiles)

        found: list[dict[str, Any]] = await wait_until_async(listed, message="both reported profiles listed")
        print(f"\nreported by the station: {found}")
        failsafe, tx = found
        assert (failsafe["id"], failsafe["purpose"], failsafe["evseId"]) == (159999, "TxDefaultProfile", 0)
        assert failsafe["schedule"]["periods"] == [{"start": 0, "limit": 6.0}]
        assert (tx["id"], tx["purpose"], tx["transactionId"], tx["evseId"]) == (
            160001,
            "TxProfile",
            f"tx-{run}",
            1,
        )
        assert tx["schedule"]["periods"][0]["limit"] == 32.0
        assert {failsafe["requestId"], tx["requestId"]} == {42} and tx["chargingLimitSource"] == "CSO"
        shadow = (await api.arequest("GET", f"/charge-points/{station_id}/shadow")).json()
        assert sorted(shadow["state"]["reported"]["chargingProfiles"]) == ["159999", "160001"]
        api_kept = await api.arequest("GET", f"/charge-points/{station_id}/charging-profiles")
        assert api_kept.json()["chargingProfiles"] == [], "source=api (default): only the API's own profiles"
        bad = await api.arequest("GET", f"/charge-points/{station_id}/charging-profiles?source=elsewhere")
        assert bad.status_code == 400 and "source" in bad.json()["error"]
