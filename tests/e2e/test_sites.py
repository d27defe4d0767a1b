"""Smart-charging sites through the running system: the tree, limits, external limits, membership,
and every refusal with its reason (remote-api -> MQTT -> shadow -> Redis and back)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.e2e


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def put(api: Api, path: str, body: Any) -> Any:
    return api.request("PUT", path, json=body)


@pytest.fixture
def depot(api: Api) -> str:
    site_id = f"depot-{uuid.uuid4().hex[:8]}"
    response = put(api, f"/sites/{site_id}", {"name": "Depot", "limit": {"amps": 32, "phases": 3}})
    assert response.status_code == 201, response.text
    return site_id


def test_site_tree_limits_and_schedule(api: Api, depot: str) -> None:
    hall = f"{depot}-hall"
    now = datetime.now(UTC)
    body = {
        "name": "Hall",
        "limit": {"watts": 22080, "phases": 3},
        "parent": depot,
        "schedule": [{"start": iso(now - timedelta(minutes=1)), "limit": {"amps": 20, "phases": 1}}],
    }
    created = put(api, f"/sites/{hall}", body)
    assert created.status_code == 201, created.text
    assert created.json()["limitNow"] == {"amps": [20.0, 0.0, 0.0]}, "the started schedule entry is in force"
    got = api.get(f"/v1/sites/{hall}").json()
    assert got["parent"] == depot and got["limit"] == {"watts": 22080, "phases": 3}
    replaced = put(api, f"/sites/{hall}", {**body, "schedule": []})
    assert replaced.status_code == 200
    assert replaced.json()["limitNow"] == {"amps": [32.0, 32.0, 32.0]}
    listed = {site["id"] for site in api.get("/sites").json()["sites"]}
    assert {depot, hall} <= listed
    assert api.delete(f"/sites/{depot}").status_code == 400, "a site with a child site stays"
    assert api.delete(f"/sites/{hall}").status_code == 200
    assert api.get(f"/sites/{hall}").status_code == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"limit": {"amps": 0}}, "positive"),
        ({"limit": {"amps": -16}}, "positive"),
        ({"limit": {"watts": 0, "phases": 3}}, "positive"),
        ({"limit": {"amps": 16, "phases": 2}}, "phases"),
        ({"name": "no limit"}, "limit is required"),
        ({"limit": {"amps": 16}, "parent": "no-such-site"}, "does not exist"),
        ({"limit": {"amps": 16}, "schedule": [{"start": "yesterday", "limit": {"amps": 8}}]}, "start"),
        ({"limit": {"amps": 16}, "timeZone": "Nowhere/City"}, "timeZone"),
        ([1, 2], "object"),
    ],
)
def test_bad_sites_are_refused_with_the_reason(api: Api, body: Any, reason: str) -> None:
    response = put(api, f"/sites/bad-{uuid.uuid4().hex[:8]}", body)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]


def test_a_cycle_is_refused(api: Api, depot: str) -> None:
    child = f"{depot}-child"
    assert put(api, f"/sites/{child}", {"limit": {"amps": 16}, "parent": depot}).status_code == 201
    response = put(api, f"/sites/{depot}", {"limit": {"amps": 32}, "parent": child})
    assert response.status_code == 400
    assert "cycle" in response.json()["error"]


def test_external_limit_with_expiry(api: Api, depot: str) -> None:
    expires = iso(datetime.now(UTC) + timedelta(hours=1))
    response = put(api, f"/sites/{depot}/external-limit", {"limit": {"amps": 16}, "expires": expires})
    assert response.status_code == 200, response.text
    assert response.json()["limitNow"] == {"amps": [16.0, 16.0, 16.0]}
    assert response.json()["externalLimit"]["expires"] == expires
    # Replacing the site keeps the external limit: it is someone else's.
    kept = put(api, f"/sites/{depot}", {"limit": {"amps": 40}})
    assert kept.json()["limitNow"] == {"amps": [16.0, 16.0, 16.0]}
    past = iso(datetime.now(UTC) - timedelta(minutes=1))
    refused = put(api, f"/sites/{depot}/external-limit", {"limit": {"amps": 16}, "expires": past})
    assert refused.status_code == 400 and "future" in refused.json()["error"]
    assert put(api, f"/sites/{depot}/external-limit", {"limit": {"amps": 16}}).status_code == 400
    cleared = api.delete(f"/sites/{depot}/external-limit")
    assert cleared.status_code == 200
    assert cleared.json()["limitNow"] == {"amps": [40.0, 40.0, 40.0]}
    assert "externalLimit" not in cleared.json()
    assert api.delete("/sites/no-such-site/external-limit").status_code == 404


def test_membership_of_stations_and_evses(api: Api, depot: str, registered: str) -> None:
    other = f"{depot}-other"
    assert put(api, f"/sites/{other}", {"limit": {"amps": 16}}).status_code == 201
    joined = api.request("PATCH", f"/charge-points/{registered}", json={"site": depot})
    assert joined.status_code == 200, joined.text
    assert joined.json()["site"] == depot and joined.json()["registrationStatus"] == "Accepted"
    assert api.get(f"/sites/{depot}").json()["stations"] == [registered]
    # A station in two sites: refused until it leaves the first.
    moved = api.request("PATCH", f"/charge-points/{registered}", json={"site": other})
    assert moved.status_code == 400 and "leave it first" in moved.json()["error"]
    evse = api.request("PATCH", f"/charge-points/{registered}", json={"evses": {"2": {"site": other}}})
    assert evse.status_code == 200 and evse.json()["evses"] == {"2": other}
    assert api.get(f"/sites/{other}").json()["stations"] == [registered]
    assert api.delete(f"/sites/{depot}").status_code == 409, "a site with stations stays"
    for bad, status in (
        ({"site": "no-such-site"}, 404),
        ({"evses": {"x": {"site": depot}}}, 400),
        ({"evses": {"1": depot}}, 400),
        ({"site": 5}, 400),
    ):
        response = api.request("PATCH", f"/charge-points/{registered}", json=bad)
        assert response.status_code == status, (bad, response.text)
        assert response.json()["error"]
    unknown = api.request("PATCH", "/charge-points/CP-NOT-THERE", json={"site": depot})
    assert unknown.status_code == 404
    left = api.request(
        "PATCH", f"/charge-points/{registered}", json={"site": None, "evses": {"2": {"site": None}}}
    )
    assert left.status_code == 200 and left.json()["site"] is None and left.json()["evses"] == {}
    assert api.get(f"/sites/{depot}").json()["stations"] == []
    assert api.delete(f"/sites/{depot}").status_code == 200


def test_a_deregistered_station_leaves_its_site(api: Api, depot: str, registered: str) -> None:
    assert api.request("PATCH", f"/charge-points/{registered}", json={"site": depot}).status_code == 200
    assert api.get(f"/sites/{depot}").json()["stations"] == [registered]
    assert api.delete(f"/charge-points/{registered}").status_code == 200
    assert api.get(f"/sites/{depot}").json()["stations"] == []
    assert api.delete(f"/sites/{depot}").status_code == 200
