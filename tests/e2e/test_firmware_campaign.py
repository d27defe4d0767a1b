"""Firmware campaigns (docs/fleet.md) with real stations: 50 ocpp library stations that answer
UpdateFirmware and report Downloading → Installed, 5 of them InstallationFailed; batches of 10 with
maxFailures 3 pause the campaign by itself; a resume finishes it; the shadow service SIGKILLed
mid-campaign resumes it with no station updated twice."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.api import Api
from tests.support.firmware_stations import firmware_station
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System, own_system

pytestmark = pytest.mark.e2e

STATIONS = 50
FAILING = (3, 12, 17, 25, 33)
"""Indexes (campaign order) of the stations whose installation fails: 1 in batch 1, 2 in batch 2,
1 in batch 3 (the 4th failure, past maxFailures 3), 1 in batch 4."""
FIRMWARE = {"version": "4.2.0", "location": "https://fw.example/4.2.0.bin"}
SHADOW_ENV = {
    "CAMPAIGN_INTERVAL": "0.3",
    "CAMPAIGN_PROGRESS_TIMEOUT": "30",
    # A reconciler call marked but not published when the kill comes is sent again after this
    # (it must stay below the campaign's progress timeout, and above the gateway's call timeout).
    "RECONCILE_STALE_SECONDS": "8",
    "SHADOW_CLIENT_ID": "shadow-campaign-test",
}


@pytest.fixture(scope="module")
def campaigning(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with own_system(
        tmp_path_factory,
        "campaign",
        {
            "shadow": SHADOW_ENV,
            "gateway": {"GATEWAY_AUTH_ADDRESS_FAILURE_BURST": "1000", "GATEWAY_CALL_TIMEOUT": "5"},
        },
    ) as system:
        yield system


def _fleet(api: Api, count: int) -> tuple[str, list[str]]:
    site = f"camp-{uuid.uuid4().hex[:8]}"
    station_ids = [f"CP-C{index:02}-{uuid.uuid4().hex[:6]}" for index in range(count)]
    for station_id in station_ids:
        api.register(station_id)
        response = api.request("PATCH", f"/charge-points/{station_id}", json={"labels": {"site": site}})
        assert response.status_code == 200, response.text
    return site, station_ids


async def _campaign_where(
    api: Api, campaign_id: str, predicate: Any, timeout: float = 60.0
) -> dict[str, Any]:
    async def matching() -> dict[str, Any] | NotYet:
        response = await api.aget(f"/campaigns/{campaign_id}")
        campaign: dict[str, Any] = response.json()
        if response.status_code != 200:  # the shadow service restarting (kill tests): 503
            return NotYet(campaign)
        reasons = sorted({str(entry.get("reason")) for entry in campaign["stations"] if "reason" in entry})
        seen = campaign["counts"] | {"state": campaign["state"], "reasons": reasons}
        return campaign if predicate(campaign) else NotYet(seen)

    return await wait_until_async(matching, timeout, interval=0.2, message=f"campaign {campaign_id} matched")


def test_bad_campaigns(campaigning: System) -> None:
    api = Api(campaigning.api_url)
    nobody = {
        "selector": f"site=nobody-{uuid.uuid4().hex[:6]}",
        "firmware": FIRMWARE,
        "batchSize": 5,
        "maxFailures": 1,
    }
    response = api.request("POST", "/campaigns", json=nobody)
    assert response.status_code == 400 and "matches no station" in response.json()["error"]
    response = api.request(
        "POST", "/campaigns", json={**nobody, "firmware": {**FIRMWARE, "location": "ftp://x/y"}}
    )
    assert response.status_code == 400 and "http:// or https://" in response.json()["error"]
    response = api.request("POST", "/campaigns", json={**nobody, "selector": "site in (a"})
    assert response.status_code == 400
    assert api.get("/campaigns/cmp-nothing").status_code == 404
    assert api.request("POST", "/campaigns/cmp-nothing/pause").status_code == 404
    assert api.request("POST", "/campaigns/cmp-nothing/explode").status_code == 404
    # Counted (the first test of this module's own system: exact counts).
    metrics = requests.get(f"{campaigning.processes['shadow'].admin_url}/metrics", timeout=10).text
    assert 'csms_campaign_rejections_total{reason="no_stations"} 1.0' in metrics
    assert 'csms_campaign_rejections_total{reason="invalid"} 2.0' in metrics
    response = api.request(
        "POST",
        "/campaigns",
        json={**nobody, "window": {"start": "22:00", "end": "05:00", "timeZone": "Mars/Olympus"}},
    )
    assert response.status_code == 400, response.text
    assert "'Mars/Olympus' is not a known IANA time zone" in response.json()["error"]


def test_window_in_a_time_zone(campaigning: System) -> None:
    """The same window, 'now' plus or minus an hour in Kolkata (UTC+05:30): in Kolkata's time it is
    open and the first batch starts; read as UTC it is closed and nothing starts."""
    api = Api(campaigning.api_url)
    kolkata = datetime.now(ZoneInfo("Asia/Kolkata"))
    days = [(kolkata - timedelta(days=1)).strftime("%a"), kolkata.strftime("%a")]
    window = {
        "start": (kolkata - timedelta(hours=1)).strftime("%H:%M"),
        "end": (kolkata + timedelta(hours=1)).strftime("%H:%M"),
    }
    campaigns = {}
    for zone in ("UTC", "Asia/Kolkata"):
        site, _ = _fleet(api, 1)
        spec = {"timeZone": zone, "days": days} if zone != "UTC" else {}
        body = {"selector": f"site={site}", "firmware": FIRMWARE, "batchSize": 1, "maxFailures": 0}
        response = api.request("POST", "/campaigns", json={**body, "window": {**window, **spec}})
        assert response.status_code == 201, response.text
        campaigns[zone] = response.json()["campaignId"]

    async def scenario() -> None:
        opened = await _campaign_where(api, campaigns["Asia/Kolkata"], lambda c: c["batch"] == 1)
        assert opened["window"]["timeZone"] == "Asia/Kolkata" and opened["counts"]["updating"] == 1
        # Stepped as often as the other (one loop): still closed.
        closed = (await api.aget(f"/campaigns/{campaigns['UTC']}")).json()
        assert closed["batch"] == 0 and closed["counts"]["pending"] == 1

    asyncio.run(scenario())


def test_campaign_over_50_stations_pauses_past_max_failures(campaigning: System) -> None:
    api = Api(campaigning.api_url)
    site, station_ids = _fleet(api, STATIONS)
    failing = {station_ids[index] for index in FAILING}

    async def scenario() -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            stations = [
                await stack.enter_async_context(
                    firmware_station(
                        campaigning,
                        station_id,
                        "1.6" if index % 2 else "2.0.1",
                        outcome="InstallationFailed" if station_id in failing else "Installed",
                    )
                )
                for index, station_id in enumerate(station_ids)
            ]
            started = time.monotonic()
            response = await api.arequest(
                "POST",
                "/campaigns",
                json={"selector": f"site={site}", "firmware": FIRMWARE, "batchSize": 10, "maxFailures": 3},
            )
            assert response.status_code == 201, response.text
            campaign_id = response.json()["campaignId"]
            paused = await _campaign_where(
                api,
                campaign_id,
                lambda c: c["state"] == "paused" and c["counts"]["updating"] == 0,
            )
            paused_after = time.monotonic() - started
            print(f"paused after {paused_after:.1f} s: {paused['counts']}")
            # Nothing of batch 4 started, and nothing more starts while paused.
            await asyncio.sleep(1.0)
            assert (await api.aget(f"/campaigns/{campaign_id}")).json()["counts"] == paused["counts"]
            resumed = await api.arequest("POST", f"/campaigns/{campaign_id}/resume")
            assert resumed.status_code == 200 and resumed.json()["acknowledgedFailures"] == 4
            assert (await api.arequest("POST", f"/campaigns/{campaign_id}/resume")).status_code == 409
            completed = await _campaign_where(api, campaign_id, lambda c: c["state"] == "completed")
            print(f"completed after {time.monotonic() - started:.1f} s: {completed['counts']}")
            await asyncio.sleep(1.0)  # a late duplicate would show here
            return stations, paused, completed

    stations, paused, completed = asyncio.run(scenario())
    assert paused["counts"] == {"pending": 20, "updating": 0, "installed": 26, "failed": 4}
    assert paused["batch"] == 3
    by_id = {entry["chargePointId"]: entry for entry in paused["stations"]}
    assert {station_id for station_id, entry in by_id.items() if entry["state"] == "failed"} == {
        station_ids[index] for index in FAILING[:4]
    }
    assert all(by_id[station_id]["state"] == "pending" for station_id in station_ids[30:])
    assert completed["counts"] == {"pending": 0, "updating": 0, "installed": 45, "failed": 5}
    reasons = {entry["reason"] for entry in completed["stations"] if entry["state"] == "failed"}
    assert reasons == {"InstallationFailed"}
    assert [len(station.updates) for station in stations] == [1] * STATIONS
    events = api.get("/events", params={"type": "campaign.progress", "limit": 1000}).json()["events"]
    mine = [event["payload"] for event in events if event["payload"]["campaignId"] == completed["campaignId"]]
    states = [payload["state"] for payload in mine]
    assert "paused" in states and states[-1] == "completed"
    assert mine[-1]["counts"] == completed["counts"]
    print(f"campaign.progress events: {len(mine)}")


@pytest.mark.parametrize("kill_when", ["right after the POST", "once batch 2 started"])
def test_campaign_survives_a_shadow_kill_without_updating_a_station_twice(
    campaigning: System, kill_when: str
) -> None:
    system = campaigning
    api = Api(system.api_url)
    count = 20
    site, station_ids = _fleet(api, count)

    async def scenario() -> tuple[list[Any], dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            stations = [
                await stack.enter_async_context(
                    firmware_station(system, station_id, "2.0.1", step_seconds=0.3)
                )
                for station_id in station_ids
            ]
            response = await api.arequest(
                "POST",
                "/campaigns",
                json={"selector": f"site={site}", "firmware": FIRMWARE, "batchSize": 5, "maxFailures": 0},
            )
            assert response.status_code == 201, response.text
            campaign_id = response.json()["campaignId"]
            if kill_when != "right after the POST":
                await _campaign_where(api, campaign_id, lambda c: c["batch"] >= 2)
            updated_before = sum(len(station.updates) for station in stations)
            system.processes["shadow"].stop(signal.SIGKILL)
            print(
                f"killed the shadow service {kill_when}, after {updated_before} of {count} UpdateFirmware calls"
            )
            await asyncio.sleep(1.0)
            old = system.processes["shadow"]
            fresh = system.start("shadow", **{key: old.env[key] for key in SHADOW_ENV})
            await asyncio.to_thread(system.wait_ready, fresh)
            killed_at = time.monotonic()
            completed = await _campaign_where(
                api, campaign_id, lambda c: c["state"] == "completed", timeout=90
            )
            print(f"completed {time.monotonic() - killed_at:.1f} s after the restart: {completed['counts']}")
            await asyncio.sleep(1.0)
            return stations, completed

    stations, completed = asyncio.run(scenario())
    assert completed["counts"] == {"pending": 0, "updating": 0, "installed": count, "failed": 0}
    assert [len(station.updates) for station in stations] == [1] * count


def test_pause_resume_cancel_transitions(campaigning: System) -> None:
    api = Api(campaigning.api_url)
    site, station_ids = _fleet(api, 3)  # never connected: the first batch stays updating
    response = api.request(
        "POST",
        "/campaigns",
        json={"selector": f"site={site}", "firmware": FIRMWARE, "batchSize": 2, "maxFailures": "50%"},
    )
    assert response.status_code == 201, response.text
    campaign = response.json()
    assert (campaign["state"], campaign["batch"], campaign["counts"]["updating"]) == ("running", 1, 2)
    assert [entry["state"] for entry in campaign["stations"]] == ["updating", "updating", "pending"]
    shadow = api.get(f"/charge-points/{station_ids[0]}/shadow").json()
    assert shadow["state"]["desired"]["firmware"] == FIRMWARE
    campaign_id = campaign["campaignId"]
    assert api.request("POST", f"/campaigns/{campaign_id}/resume").status_code == 409
    paused = api.request("POST", f"/campaigns/{campaign_id}/pause")
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert api.request("POST", f"/campaigns/{campaign_id}/pause").status_code == 409
    cancelled = api.request("POST", f"/campaigns/{campaign_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert api.request("POST", f"/campaigns/{campaign_id}/resume").status_code == 409
    # The third station was never started.
    assert "desired" not in api.get(f"/charge-points/{station_ids[2]}/shadow").json()["state"]
