"""The event log end to end: real stations' changes become events, replayable and streamed (SSE)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from ocpp.v201 import call as call201

from tests.support.api import Api
from tests.support.events import (
    admin_session,
    collect_sse,
    event_id_key,
    private_system,
    read_sse,
)
from tests.support.polling import wait_until
from tests.support.stations import station201
from tests.support.system import READ_TOKEN, System
from tests.support.transactions import transaction_event_call

pytestmark = pytest.mark.e2e


def _events(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/events", params=params)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_a_stations_life_becomes_events_in_order(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            await station.call(
                call201.BootNotification(
                    charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
                )
            )
            await station.call(
                call201.StatusNotification(
                    timestamp="2024-01-01T10:00:00Z", connector_status="Occupied", evse_id=1, connector_id=1
                )
            )
            await station.call(transaction_event_call("Started", 0, "tx-1"))
            await station.call(transaction_event_call("Ended", 1, "tx-1"))
            answer = await api.apost(
                f"/charge-points/{registered}/commands/Reset?wait=5", json={"type": "Immediate"}
            )
            assert answer.status_code == 200, answer.text

    asyncio.run(scenario())
    expected = [
        "registration.changed",
        "station.connected",
        "station.booted",
        "connector.status_changed",
        "transaction.started",
        "transaction.ended",
        "session.completed",  # billing's session record, with its CDR (docs/billing.md)
        "command.sent",
        "command.answered",
        "station.disconnected",
    ]
    assert wait_until(lambda: len(_events(api, chargePointId=registered)) >= len(expected), 10)
    events = _events(api, chargePointId=registered)
    print(f"events of one station's life: {[event['type'] for event in events]}")
    assert [event["type"] for event in events] == expected
    assert [event_id_key(event["id"]) for event in events] == sorted(event_id_key(e["id"]) for e in events)
    assert all(event["chargePointId"] == registered for event in events)
    by_type = {event["type"]: event for event in events}
    assert by_type["transaction.started"]["payload"]["transactionId"] == "tx-1"
    assert by_type["connector.status_changed"]["payload"] == {
        "connectorId": 1,
        "status": "Occupied",
        "evseId": 1,
        "timestamp": "2024-01-01T10:00:00Z",
    }
    assert by_type["command.answered"]["payload"]["action"] == "Reset"
    assert by_type["command.answered"]["payload"]["payload"] == {"status": "Scheduled"}  # the station says
    assert by_type["station.booted"]["payload"]["chargingStation"]["model"] == "M"

    # Filters: by type (repeated and comma-separated), and pages that follow `next`.
    only = _events(api, chargePointId=registered, type="transaction.started,transaction.ended")
    assert [event["type"] for event in only] == ["transaction.started", "transaction.ended"]
    first = api.get("/events", params={"chargePointId": registered, "limit": 2}).json()
    second = api.get(
        "/events", params={"chargePointId": registered, "limit": 2, "after": first["next"]}
    ).json()
    assert [e["id"] for e in first["events"] + second["events"]] == [e["id"] for e in events[:4]]


def test_bad_after_ids_and_filters_are_refused(api: Api) -> None:
    last = api.get("/events", params={"limit": 1000}).json()["next"]
    milliseconds = int(last.split("-")[0])
    future = f"{milliseconds + 3_600_000}-0"
    answers = {
        "future": api.get("/events", params={"after": future}),
        "not an id": api.get("/events", params={"after": "yesterday"}),
        "unknown type": api.get("/events", params={"type": "station.exploded"}),
        "limit 0": api.get("/events", params={"limit": "0"}),
        "limit 5000": api.get("/events", params={"limit": "5000"}),
        "bad station": api.get("/events", params={"chargePointId": "a/b"}),
    }
    for name, response in answers.items():
        print(f"GET /events with {name}: {response.status_code} {response.json()}")
        assert response.status_code == 400, name
        assert "error" in response.json()
    assert "later than the newest" in answers["future"].json()["error"]


def test_after_an_id_before_retention_is_gone(tmp_path: Path) -> None:
    """A log kept at 20 events: 60 registrations later, the first id is 410 with the reason."""
    with private_system(tmp_path, SHADOW_EVENTS_MAX_LENGTH="20") as system:
        with admin_session() as session:
            for index in range(60):
                created = session.post(
                    f"{system.api_url}/charge-points", json={"chargePointId": f"R-{index}"}
                )
                assert created.status_code == 201
            page = session.get(f"{system.api_url}/events", params={"limit": 1000}).json()
            assert len(page["events"]) == 20, len(page["events"])
            assert page["events"][0]["payload"]["change"] == "registered"
            oldest_kept = page["events"][0]["id"]
            gone = session.get(f"{system.api_url}/events", params={"after": "1-0"})
            print(f"after an id before retention: {gone.status_code} {gone.json()}")
            assert gone.status_code == 410
            assert "no longer kept" in gone.json()["error"]
            # The oldest kept id itself is still a valid starting point.
            kept = session.get(f"{system.api_url}/events", params={"after": oldest_kept})
            assert kept.status_code == 200 and len(kept.json()["events"]) == 19


def test_sse_stream_resumes_with_last_event_id(api: Api, system: System, registered: str) -> None:
    """Streams here end after 1 s (API_SSE_MAX_SECONDS in the tests): the client resumes, losing nothing."""
    url = f"{system.api_url}/events/stream"
    headers = {"Authorization": f"Bearer {READ_TOKEN}"}
    params = {"chargePointId": registered}
    live: list[dict[str, Any]] = []
    opened = threading.Event()

    def listen() -> None:
        live.extend(collect_sse(url, headers, params, 3, 20, opened=opened))

    listener = threading.Thread(target=listen)
    listener.start()
    assert opened.wait(10)
    for status in ("Pending", "Accepted", "Rejected"):
        assert api.request("PATCH", f"/charge-points/{registered}", json={"registrationStatus": status}).ok
        time.sleep(0.7)  # across at least one stream's end
    listener.join(25)
    statuses = [json.loads(frame["data"])["payload"]["registrationStatus"] for frame in live]
    print(f"SSE live (resuming after each 1 s stream): {[f['id'] for f in live]} {statuses}")
    assert [frame["event"] for frame in live] == ["registration.changed"] * 3
    assert statuses == ["Pending", "Accepted", "Rejected"]
    # Resume after the first: the second and the third come, nothing before.
    resumed = collect_sse(url, headers, params, 2, 10, last_event_id=live[0]["id"])
    print(f"SSE resumed after {live[0]['id']}: {[f['id'] for f in resumed]}")
    assert [frame["id"] for frame in resumed] == [live[1]["id"], live[2]["id"]]
    # A resume id from the future is refused before any stream starts.
    future = requests.get(url, headers={**headers, "Last-Event-ID": "99999999999999-0"}, timeout=10)
    assert future.status_code == 400


def test_sse_streams_are_capped_and_end_on_time(tmp_path: Path) -> None:
    """Two streams per process: the third gets 503; a stream ends after its time and says where to resume."""
    with private_system(tmp_path) as system:
        system.processes["remote-api"].stop()
        api = system.start("remote-api", label="capped-api", API_SSE_MAX_STREAMS="2", API_SSE_MAX_SECONDS="2")
        system.wait_ready(api)
        with admin_session() as session:
            url = f"{api.admin_url}/events/stream"
            started = time.monotonic()
            first = session.get(url, stream=True, timeout=10)
            second = session.get(url, stream=True, timeout=10)
            third = session.get(url, stream=True, timeout=10)
            print(f"SSE cap 2: statuses {first.status_code}, {second.status_code}, {third.status_code}")
            assert (first.status_code, second.status_code, third.status_code) == (200, 200, 503)
            assert third.json()["error"].startswith("Too many event streams")
            third.close()
            frames = read_sse(first, lambda frames: frames[-1].get("event") == "end")
            elapsed = time.monotonic() - started
            print(f"SSE stream ended after {elapsed:.1f} s (limit 2 s): {frames[-1]}")
            assert frames[-1]["event"] == "end" and 1.5 < elapsed < 10
            second.close()
            first.close()

            def slot_free() -> bool:
                with session.get(url, stream=True, timeout=10) as again:
                    return again.status_code == 200

            assert wait_until(slot_free, 5)


def test_state_changing_calls_are_audited(api: Api, system: System, station_id: str) -> None:
    before = api.get("/audit", params={"limit": 1000}).json()
    after = before["next"]
    assert api.post("/charge-points", json={"chargePointId": station_id}).status_code == 201
    refused = Api(system.api_url, READ_TOKEN).delete(f"/charge-points/{station_id}")
    assert refused.status_code == 403
    assert api.delete(f"/charge-points/{station_id}").status_code == 200
    assert api.get(f"/charge-points/{station_id}").status_code == 404  # a read: not audited

    def records() -> list[dict[str, Any]]:
        page = api.get("/audit", params={"after": after, "limit": 1000}).json()
        return [r for r in page["records"] if station_id in (r["path"] + str(r["target"]))]

    assert wait_until(lambda: len(records()) >= 3, 10)
    found = records()
    print(f"audit: {[(r['method'], r['token'], r['scope'], r['status'], r['result']) for r in found]}")
    assert [(r["method"], r["route"], r["token"], r["scope"], r["status"], r["result"]) for r in found] == [
        ("POST", "/charge-points", "default", "admin", 201, "ok"),
        ("DELETE", "/charge-points/<station_id>", "dashboard", "read", 403, "refused"),
        ("DELETE", "/charge-points/<station_id>", "default", "admin", 200, "ok"),
    ]
    assert found[0]["target"] == {"chargePointId": station_id}
    assert found[2]["target"] == {"station_id": station_id}
    assert Api(system.api_url, READ_TOKEN).get("/audit").status_code == 403
    assert api.get("/audit", params={"after": "99999999999999-0"}).status_code == 400
