"""Labels, selectors and fleet-wide desired state and status (docs/fleet.md), with a real 1.6 station."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import redis

from tests.support.api import Api
from tests.support.desired_stations import REFUSED, connected, shadow_where
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e


def label(api: Api, station_id: str, labels: dict[str, object]) -> dict[str, object]:
    response = api.request("PATCH", f"/charge-points/{station_id}", json={"labels": labels})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_labels_merge_and_are_checked(api: Api, registered: str) -> None:
    assert label(api, registered, {"site": "depot-1", "model": "X"})["labels"] == {
        "site": "depot-1",
        "model": "X",
    }
    assert label(api, registered, {"model": None, "example.com/tier": "gold"})["labels"] == {
        "site": "depot-1",
        "example.com/tier": "gold",
    }
    assert api.get(f"/charge-points/{registered}").json()["labels"] == {
        "site": "depot-1",
        "example.com/tier": "gold",
    }
    for bad in ({"bad key": "x"}, {"site": "has space"}, {"site": 3}, [1]):
        response = api.request("PATCH", f"/charge-points/{registered}", json={"labels": bad})
        assert response.status_code == 400, bad
        assert "label" in response.json()["error"]
    too_many = {f"k{i}": "v" for i in range(40)}
    assert api.request("PATCH", f"/charge-points/{registered}", json={"labels": too_many}).status_code == 400


def test_fleet_desired_and_status_by_selector(api: Api, system: System) -> None:
    site = f"depot-{uuid.uuid4().hex[:8]}"
    models = {"X": 2, "Y": 1, "Z": 1}
    stations: dict[str, str] = {}
    for model, count in models.items():
        for index in range(count):
            station_id = f"CP-{model}{index}-{uuid.uuid4().hex[:8]}"
            api.register(station_id)
            label(api, station_id, {"site": site, "model": model})
            stations[station_id] = model
    selector = f"site={site},model in (X,Y)"
    desired = {"configuration": {"HeartbeatInterval": "90", REFUSED: "1"}}
    response = api.request(
        "PATCH", "/fleet/shadow", params={"selector": selector}, json={"state": {"desired": desired}}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "selector": selector,
        "matched": 3,
        "applied": 3,
        "failed": [],
        "failedOmitted": 0,
    }
    status = api.get("/fleet/status", params={"selector": f"site={site}"}).json()
    assert {key: status[key] for key in ("total", "inSync", "pending", "failed", "offline")} == {
        "total": 4,
        "inSync": 1,
        "pending": 0,
        "failed": 0,
        "offline": 3,
    }
    connecting = next(station_id for station_id, model in stations.items() if model == "Y")

    async def scenario() -> None:
        async with connected(system, connecting, "1.6"):
            await shadow_where(
                api,
                connecting,
                lambda s: (
                    "configurationStatus" in s["reported"] and len(s["reported"]["configurationStatus"]) == 2
                ),
            )
            status = api.get("/fleet/status", params={"selector": f"site={site}"}).json()
            assert {key: status[key] for key in ("total", "inSync", "pending", "failed", "offline")} == {
                "total": 4,
                "inSync": 1,
                "pending": 0,
                "failed": 1,
                "offline": 2,
            }
            assert status["failing"] == [
                {
                    "chargePointId": connecting,
                    "connected": True,
                    "reasons": {f"configuration.{REFUSED}": "Rejected"},
                }
            ]

    asyncio.run(scenario())
    only_z = api.get("/fleet/status", params={"selector": f"site={site},model notin (X,Y)"}).json()
    assert (only_z["total"], only_z["inSync"]) == (1, 1)


@pytest.mark.parametrize("selector", ["site in (a", "bad key=x", "a,,b"])
def test_bad_selectors_are_400(api: Api, selector: str) -> None:
    for response in (
        api.get("/fleet/status", params={"selector": selector}),
        api.request("PATCH", "/fleet/shadow", params={"selector": selector}, json={"state": {"desired": {}}}),
    ):
        assert response.status_code == 400
        assert "error" in response.json()


def test_fleet_desired_needs_a_selector_and_managed_keys(api: Api) -> None:
    response = api.request("PATCH", "/fleet/shadow", json={"state": {"desired": {}}})
    assert response.status_code == 400 and "selector" in response.json()["error"]
    response = api.request(
        "PATCH",
        "/fleet/shadow",
        params={"selector": "site=nowhere"},
        json={"state": {"desired": {"colour": "red"}}},
    )
    assert response.status_code == 400 and "'colour' is not managed" in response.json()["error"]


def test_fleet_command_per_station_results(api: Api, system: System) -> None:
    site = f"cmd-{uuid.uuid4().hex[:8]}"
    ids = {kind: f"CP-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("v201", "v16", "offline")}
    for station_id in ids.values():
        api.register(station_id)
        label(api, station_id, {"site": site})

    async def scenario() -> None:
        async with connected(system, ids["v201"], "2.0.1") as v201, connected(system, ids["v16"], "1.6"):
            response = await api.arequest(
                "POST",
                "/fleet/commands/ChangeAvailability",
                params={"selector": f"site={site}"},
                json={"operationalStatus": "Inoperative"},
            )
            assert response.status_code == 202, response.text
            batch = response.json()
            assert (batch["action"], batch["matched"], batch["sent"]) == ("ChangeAvailability", 3, 1)
            results = {result["chargePointId"]: result for result in batch["results"]}
            assert results[ids["offline"]] == {"chargePointId": ids["offline"], "state": "offline"}
            assert results[ids["v16"]]["state"] == "invalid"
            assert "Invalid ChangeAvailability payload" in results[ids["v16"]]["error"]
            assert results[ids["v201"]]["state"] == "sent"

            async def answered() -> dict[str, Any] | NotYet:
                now: dict[str, Any] = (await api.aget(f"/fleet/commands/{batch['batchId']}")).json()
                return now if now["counts"].get("answered") == 1 else NotYet(now)

            current: dict[str, Any] = await wait_until_async(
                answered, 10, message="the 2.0.1 station's answer in the batch"
            )
            assert current["counts"] == {"answered": 1, "invalid": 1, "offline": 1}
            mine = next(result for result in current["results"] if result["chargePointId"] == ids["v201"])
            assert mine["payload"] == {"status": "Accepted"}
            assert ("ChangeAvailability", {"operational_status": "Inoperative"}) in v201.calls

    asyncio.run(scenario())
    assert api.get("/fleet/commands/no-such-batch").status_code == 404
    missing = api.request("POST", "/fleet/commands/Reset", json={"type": "Immediate"})
    assert missing.status_code == 400 and "selector" in missing.json()["error"]


def _station_traces(redis_url: str, station_id: str) -> list[str]:
    """Every Redis key whose name holds ``station_id``, and every set that has it as a member."""
    client = redis.Redis.from_url(redis_url)
    try:
        traces = [key.decode() for key in client.scan_iter(match=f"*{station_id}*", count=1000)]
        for key in client.scan_iter(count=1000, _type="set"):
            if client.sismember(key, station_id):
                traces.append(f"{key.decode()} (member)")
        for key in client.scan_iter(count=1000, _type="zset"):
            if client.zscore(key, station_id) is not None:
                traces.append(f"{key.decode()} (member)")
        return traces
    finally:
        client.close()


def test_deleting_a_station_deletes_its_fleet_keys(api: Api, system: System, registered: str) -> None:
    """A station that was labelled, given desired configuration and a local list, reconciled, then
    deleted leaves no key and no set membership with its id behind."""
    token = f"T{uuid.uuid4().hex[:12]}"
    assert api.request("PUT", f"/id-tokens/{token}", json={"status": "Accepted"}).ok
    label(api, registered, {"site": "delete-me", "model": "X"})
    desired = {
        "configuration": {"OCPPCommCtrlr.HeartbeatInterval": "120", f"OCPPCommCtrlr.{REFUSED}": "x"},
        "localAuthList": {"version": 3, "source": "id-tokens"},
    }
    response = api.request(
        "PATCH", f"/charge-points/{registered}/shadow", json={"state": {"desired": desired}}
    )
    assert response.status_code == 200, response.text

    async def scenario() -> None:
        async with connected(system, registered, "2.0.1"):
            await shadow_where(
                api,
                registered,
                lambda s: (
                    (s["reported"].get("localAuthList") or {}).get("status") is not None
                    and "OCPPCommCtrlr.HeartbeatInterval" in (s["reported"].get("configuration") or {})
                ),
            )

    asyncio.run(scenario())
    # Offline with work left: the station is in the reconciler's pending set.
    more = {"configuration": {"OCPPCommCtrlr.WebSocketPingInterval": "60"}}
    assert api.request("PATCH", f"/charge-points/{registered}/shadow", json={"state": {"desired": more}}).ok
    before = _station_traces(system.redis_url, registered)
    print(f"keys and memberships of {registered} before the delete: {sorted(before)}")
    for trace in (
        "local-list:",
        "reconcile-pending (member)",
        "local-list-stations (member)",
        "applied:",
        "label-version:",
    ):
        assert any(trace in key for key in before), trace
    assert api.request("DELETE", f"/charge-points/{registered}").status_code == 200
    after = _station_traces(system.redis_url, registered)
    # Applied client tokens are left to expire (finding them would SCAN the whole keyspace per delete),
    # and so is the label index's tombstone (label-version:, 1 h: no index step in flight re-adds it).
    tokens = [key for key in after if "applied:" in key or "label-version:" in key]
    assert [key for key in after if key not in tokens] == [], after
    client = redis.Redis.from_url(system.redis_url)
    try:
        ttls = {key: client.ttl(key) for key in tokens}
    finally:
        client.close()
    assert all(ttl > 0 for ttl in ttls.values()), ttls


def test_concurrent_label_patches_all_survive(api: Api, registered: str) -> None:
    """Ten PATCHes of different labels at once (the API's workers, the shadow service's replica):
    each merges inside the store's transaction, so none overwrites another."""

    async def scenario() -> None:
        responses = await asyncio.gather(
            *(
                api.arequest("PATCH", f"/charge-points/{registered}", json={"labels": {f"k{index}": "v"}})
                for index in range(10)
            )
        )
        assert [response.status_code for response in responses] == [200] * 10

    asyncio.run(scenario())
    assert api.get(f"/charge-points/{registered}").json()["labels"] == {
        f"k{index}": "v" for index in range(10)
    }
    matched = api.get("/fleet/status", params={"selector": "k3=v,k7 in (v)"}).json()
    assert matched["total"] == 1
