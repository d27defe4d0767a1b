"""Desired state (docs/fleet.md): the API and MQTT paths, the delta, and the reconciler bringing
real 1.6 and 2.0.1 stations that connect later to it, with refusals visible and not retried."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.api import Api
from tests.support.desired_stations import (
    REFUSED,
    connected,
    patch_desired,
    request_base_report,
    shadow_where,
)
from tests.support.mqtt_observer import MqttObserver
from tests.support.polling import wait_until
from tests.support.system import System

pytestmark = pytest.mark.e2e


def test_desired_patch_merges_and_answers_the_delta(api: Api, system: System, registered: str) -> None:
    observer = MqttObserver(system.mqtt_url, f"$aws/things/{registered}/shadow/update/delta")
    try:
        first = patch_desired(api, registered, {"configuration": {"A": "1", "B": "2"}})
        assert first["state"]["desired"] == {"configuration": {"A": "1", "B": "2"}}
        assert first["state"]["delta"] == {"configuration": {"A": "1", "B": "2"}}
        assert set(first["metadata"]["desired"]["configuration"]) == {"A", "B"}
        delta = json.loads(observer.next(5).payload)
        assert delta["state"] == {"configuration": {"A": "1", "B": "2"}}
        assert delta["version"] == first["version"]

        second = patch_desired(api, registered, {"configuration": {"A": None, "C": "3"}})
        assert second["state"]["desired"] == {"configuration": {"B": "2", "C": "3"}}
        assert second["version"] == first["version"] + 1
        read = api.get(f"/charge-points/{registered}/shadow").json()
        assert read["state"]["desired"] == second["state"]["desired"]
        assert read["state"]["delta"] == {"configuration": {"B": "2", "C": "3"}}

        cleared = patch_desired(api, registered, None)
        assert "desired" not in cleared["state"] and "delta" not in cleared["state"]
    finally:
        observer.close()


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"state": {"desired": {"colour": "red"}}}, "'colour' is not managed"),
        ({"state": {"desired": {"configuration": {"HeartbeatInterval": 300}}}}, "HeartbeatInterval"),
        ({"state": {"desired": {"availability": {"1": "Broken"}}}}, "availability '1'"),
        ({"state": {"desired": []}}, "desired"),
        ({"state": {"reported": {"a": 1}}}, "desired"),
        ({"desired": {}}, "desired"),
    ],
)
def test_bad_desired_is_400_naming_the_problem(api: Api, registered: str, body: Any, named: str) -> None:
    response = api.request("PATCH", f"/charge-points/{registered}/shadow", json=body)
    assert response.status_code == 400
    assert named in response.json()["error"]
    assert "desired" not in api.get(f"/charge-points/{registered}/shadow").json()["state"]


def test_desired_for_an_unknown_station_is_404(api: Api) -> None:
    response = api.request("PATCH", "/charge-points/CP-nobody-here/shadow", json={"state": {"desired": {}}})
    assert response.status_code == 404
    assert "error" in response.json()


def test_too_much_desired_configuration_is_refused(api: Api, registered: str) -> None:
    configuration = {f"Key{i}": "v" for i in range(257)}
    response = api.request(
        "PATCH",
        f"/charge-points/{registered}/shadow",
        json={"state": {"desired": {"configuration": configuration}}},
    )
    assert response.status_code == 400
    assert "more than 256" in response.json()["error"]
    # Each body fits the API's 64 KiB; together they would make the document larger than its budget.
    statuses = []
    for batch in range(3):
        big = {f"Key{batch}-{i}": "v" * 1000 for i in range(55)}
        response = api.request(
            "PATCH",
            f"/charge-points/{registered}/shadow",
            json={"state": {"desired": {"configuration": big}}},
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 413]
    assert "document_bytes" in response.json()["error"]


def test_desired_through_mqtt_shadow_update(api: Api, system: System, registered: str) -> None:
    parts = urlsplit(system.mqtt_url)
    client = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        protocol=paho.MQTTv5,
        client_id=f"ocpp-handler-test-{uuid.uuid4().hex[:8]}",
    )
    client.username_pw_set("ocpp-handler", system.broker_passwords["ocpp-handler"])
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    try:
        body = {"state": {"desired": {"availability": {"0": "Inoperative"}}}}
        client.publish(f"$aws/things/{registered}/shadow/update", json.dumps(body), qos=1).wait_for_publish(5)
        shadow = wait_until(
            lambda: (
                api.get(f"/charge-points/{registered}/shadow").json()
                if "desired" in api.get(f"/charge-points/{registered}/shadow").json()["state"]
                else None
            ),
            5,
            message="desired state from MQTT applied",
        )
        assert shadow["state"]["desired"] == {"availability": {"0": "Inoperative"}}
        assert shadow["state"]["delta"] == {"availability": {"0": "Inoperative"}}
    finally:
        client.loop_stop()
        client.disconnect()


def test_desired_configuration_reaches_a_16_station_that_connects_later(
    api: Api, system: System, registered: str
) -> None:
    patch_desired(
        api,
        registered,
        {
            "configuration": {"HeartbeatInterval": "120", "MeterValueSampleInterval": "30", REFUSED: "1"},
            "availability": {"1": "Inoperative"},
        },
    )

    async def scenario() -> None:
        async with connected(system, registered, "1.6") as station:
            state = await shadow_where(
                api, registered, lambda s: s.get("delta") == {"configuration": {REFUSED: "1"}}
            )
            reported = state["reported"]
            assert reported["configuration"] == {"HeartbeatInterval": "120", "MeterValueSampleInterval": "30"}
            assert reported["configurationStatus"] == {
                "HeartbeatInterval": {"status": "Accepted", "value": "120"},
                "MeterValueSampleInterval": {"status": "Accepted", "value": "30"},
                REFUSED: {"status": "Rejected", "value": "1"},
            }
            assert reported["availability"] == {"1": "Inoperative"}
            assert reported["availabilityStatus"] == {"1": {"status": "Scheduled", "value": "Inoperative"}}
            assert [payload for action, payload in station.calls if action == "ChangeConfiguration"] == [
                {"key": "HeartbeatInterval", "value": "120"},
                {"key": "MeterValueSampleInterval", "value": "30"},
                {"key": REFUSED, "value": "1"},
            ]
            assert ("ChangeAvailability", {"connector_id": 1, "type": "Inoperative"}) in station.calls

            # A later desired change runs the reconciler again: the refused key is not sent again.
            patch_desired(api, registered, {"configuration": {"WebSocketPingInterval": "60"}})
            await shadow_where(
                api,
                registered,
                lambda s: (s["reported"].get("configuration") or {}).get("WebSocketPingInterval"),
            )
            keys = [payload["key"] for action, payload in station.calls if action == "ChangeConfiguration"]
            assert keys.count(REFUSED) == 1
            assert len(station.calls) == 5

        # So does reconnecting: nothing is sent to a station that is in sync but for a refusal.
        async with connected(system, registered, "1.6") as again:
            await asyncio.sleep(1.5)
            assert again.calls == []

        # A new desired value for the refused key is tried.
        patch_desired(api, registered, {"configuration": {REFUSED: "2"}})
        async with connected(system, registered, "1.6") as third:
            await shadow_where(
                api,
                registered,
                lambda s: (
                    s["reported"]["configurationStatus"][REFUSED] == {"status": "Rejected", "value": "2"}
                ),
            )
            assert third.calls == [("ChangeConfiguration", {"key": REFUSED, "value": "2"})]

    asyncio.run(scenario())


def test_desired_configuration_reaches_a_201_station_that_connects_later(
    api: Api, system: System, registered: str
) -> None:
    patch_desired(
        api,
        registered,
        {
            "configuration": {
                "OCPPCommCtrlr.HeartbeatInterval": "120",
                "EVSE/1.Power.MaxSet": "11000",
                f"OCPPCommCtrlr.{REFUSED}": "x",
                "HeartbeatInterval": "60",
            },
            "availability": {"0": "Inoperative"},
        },
    )

    async def scenario() -> None:
        async with connected(system, registered, "2.0.1") as station:
            state = await shadow_where(api, registered, lambda s: "availability" in s["reported"])
            reported = state["reported"]
            assert reported["configuration"] == {
                "OCPPCommCtrlr.HeartbeatInterval": "120",
                "EVSE/1.Power.MaxSet": "11000",
            }
            assert {key: entry["status"] for key, entry in reported["configurationStatus"].items()} == {
                "OCPPCommCtrlr.HeartbeatInterval": "Accepted",
                "EVSE/1.Power.MaxSet": "Accepted",
                f"OCPPCommCtrlr.{REFUSED}": "UnknownVariable",
                "HeartbeatInterval": "Invalid",
            }
            assert state["delta"] == {
                "configuration": {f"OCPPCommCtrlr.{REFUSED}": "x", "HeartbeatInterval": "60"}
            }
            set_variables = [payload for action, payload in station.calls if action == "SetVariables"]
            assert len(set_variables) == 1
            assert sorted(
                (item["component"]["name"], item["variable"]["name"], item.get("attribute_type"))
                for item in set_variables[0]["set_variable_data"]
            ) == [
                ("EVSE", "Power", "MaxSet"),
                ("OCPPCommCtrlr", "HeartbeatInterval", None),
                ("OCPPCommCtrlr", REFUSED, None),
            ]
            assert ("ChangeAvailability", {"operational_status": "Inoperative"}) in station.calls
            calls_before = len(station.calls)

            patch_desired(api, registered, {"configuration": {"OCPPCommCtrlr.WebSocketPingInterval": "60"}})
            await shadow_where(
                api,
                registered,
                lambda s: "OCPPCommCtrlr.WebSocketPingInterval" in (s["reported"].get("configuration") or {}),
            )
            later = station.calls[calls_before:]
            assert len(later) == 1
            assert [item["variable"]["name"] for item in later[0][1]["set_variable_data"]] == [
                "WebSocketPingInterval"
            ]

    asyncio.run(scenario())
    # Each time the reconciler has nothing left to send: an event, naming what stays refused.
    in_sync = wait_until(
        lambda: [
            event
            for event in api.get(
                "/events", params={"type": "desired.in_sync", "chargePointId": registered}
            ).json()["events"]
        ],
        message="desired.in_sync events",
    )
    assert in_sync[0]["payload"]["delta"] == {
        "configuration": {f"OCPPCommCtrlr.{REFUSED}": "x", "HeartbeatInterval": "60"}
    }


def test_get_configuration_answers_become_reported(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        async with connected(system, registered, "1.6") as station:
            response = await api.arequest(
                "POST", f"/charge-points/{registered}/commands/GetConfiguration", json={}
            )
            assert response.status_code == 202, response.text
            await shadow_where(
                api, registered, lambda s: s["reported"].get("configuration") == {"HeartbeatInterval": "300"}
            )
            # What the station already holds is in sync at once: nothing is sent for it.
            shadow = patch_desired(api, registered, {"configuration": {"HeartbeatInterval": "300"}})
            assert "delta" not in shadow["state"]
            await asyncio.sleep(1.0)
            assert station.calls == []

    asyncio.run(scenario())


def report_item(component: dict[str, Any], variable: str, attributes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"component": component, "variable": {"name": variable}, "variableAttribute": attributes}


def test_notify_report_values_become_reported(api: Api, system: System, registered: str) -> None:
    # Desired before the station is there: one key it will report as held, one it will report otherwise.
    patch_desired(
        api,
        registered,
        {"configuration": {"OCPPCommCtrlr.HeartbeatInterval": "120", "EVSE/1/2.Power.MaxSet": "7400"}},
    )

    async def scenario() -> None:
        async with connected(system, registered, "2.0.1") as station:
            await shadow_where(api, registered, lambda s: len(s["reported"].get("configuration") or {}) == 2)
            station.calls.clear()
            station.report_parts = [
                [
                    report_item({"name": "OCPPCommCtrlr"}, "HeartbeatInterval", [{"value": "120"}]),
                    report_item(
                        {"name": "SecurityCtrlr"}, "BasicAuthPassword", [{"mutability": "WriteOnly"}]
                    ),
                ],
                [
                    report_item(
                        {"name": "EVSE", "evse": {"id": 1, "connectorId": 2}},
                        "Power",
                        [{"type": "Actual", "value": "0"}, {"type": "MaxSet", "value": "22000"}],
                    )
                ],
            ]
            await request_base_report(api, registered, 5)
            # The second part says MaxSet drifted to 22000: the reconciler sets 7400 again, once.
            state = await shadow_where(
                api,
                registered,
                lambda s: (
                    (s["reported"].get("lastReport") or {}).get("seqNo") == 1
                    and [a for a, _ in station.calls].count("SetVariables") == 1
                    and (s["reported"].get("configuration") or {}).get("EVSE/1/2.Power.MaxSet") == "7400"
                ),
            )
            assert state["reported"]["configuration"] == {
                "OCPPCommCtrlr.HeartbeatInterval": "120",
                "EVSE/1/2.Power": "0",
                "EVSE/1/2.Power.MaxSet": "7400",
            }
            assert "delta" not in state
            set_variables = [payload for action, payload in station.calls if action == "SetVariables"]
            assert [
                (item["variable"]["name"], item.get("attribute_type"))
                for item in set_variables[0]["set_variable_data"]
            ] == [("Power", "MaxSet")]
            # The held value is in sync without a call: nothing else was sent.
            assert [action for action, _ in station.calls] == ["GetBaseReport", "SetVariables"]

    asyncio.run(scenario())
