"""The reconciler's pure planning: which call comes next, and what an answer leaves in reported."""

from __future__ import annotations

from csms_shadow.fleet.reconcile_plan import (
    SET_VARIABLES_ITEMS,
    VariableKey,
    parse_variable_key,
    plan_next,
    results_of,
    status_label,
)


def test_variable_keys_parse_with_evse_connector_and_attribute_type() -> None:
    assert parse_variable_key("OCPPCommCtrlr.HeartbeatInterval") == VariableKey(
        "OCPPCommCtrlr", None, None, "HeartbeatInterval", None
    )
    assert parse_variable_key("EVSE/2/1.Power.MaxSet") == VariableKey("EVSE", 2, 1, "Power", "MaxSet")
    for bad in ("HeartbeatInterval", "A.B.Wrong", "A/x.B", "A/1/2/3.B", ".B", "A.", "a.b.c.d"):
        assert parse_variable_key(bad) is None, bad


def test_16_sends_one_change_configuration_per_key_in_key_order() -> None:
    plan = plan_next({"configuration": {"B": "2", "A": "1"}}, {}, "1.6")
    assert plan.call is not None
    assert (plan.call.action, plan.call.payload, plan.call.items) == (
        "ChangeConfiguration",
        {"key": "A", "value": "1"},
        {"A": "1"},
    )


def test_201_batches_set_variables() -> None:
    desired = {"configuration": {f"Ctrl.V{i:02}": str(i) for i in range(SET_VARIABLES_ITEMS + 2)}}
    desired["configuration"]["Connector/1/2.Power.Target"] = "7"
    plan = plan_next(desired, {}, "2.0.1")
    assert plan.call is not None and plan.call.action == "SetVariables"
    data = plan.call.payload["setVariableData"]
    assert len(data) == SET_VARIABLES_ITEMS
    assert data[0] == {
        "attributeValue": "7",
        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 2}},
        "variable": {"name": "Power"},
        "attributeType": "Target",
    }


def test_keys_a_version_cannot_carry_are_invalid_without_a_call() -> None:
    plan = plan_next({"configuration": {"HeartbeatInterval": "60"}}, {}, "2.0.1")
    assert plan.call is None
    assert plan.local_statuses == {
        "configurationStatus": {"HeartbeatInterval": {"status": "Invalid", "value": "60"}}
    }
    long_value = plan_next({"configuration": {"K": "x" * 501}}, {}, "1.6")
    assert long_value.call is None and "K" in long_value.local_statuses["configurationStatus"]


def test_reported_values_and_answered_values_are_not_sent_again() -> None:
    desired = {"configuration": {"A": "1", "B": "2", "C": "3"}}
    reported = {
        "configuration": {"A": "1"},
        "configurationStatus": {
            "B": {"status": "Rejected", "value": "2"},
            "C": {"status": "Rejected", "value": "old"},
        },
    }
    plan = plan_next(desired, reported, "1.6")
    assert plan.call is not None and plan.call.items == {"C": "3"}
    reported["configurationStatus"]["C"] = {"status": "Rejected", "value": "3"}
    assert plan_next(desired, reported, "1.6").call is None


def test_availability_after_configuration_per_version() -> None:
    desired = {"availability": {"2": "Inoperative", "0": "Operative"}}
    v16 = plan_next(desired, {}, "1.6").call
    assert v16 is not None and v16.payload == {"connectorId": 0, "type": "Operative"}
    v201 = plan_next(desired, {"availability": {"0": "Operative"}}, "2.0.1").call
    assert v201 is not None and v201.payload == {"operationalStatus": "Inoperative", "evse": {"id": 2}}
    both = plan_next({**desired, "configuration": {"A": "1"}}, {}, "1.6").call
    assert both is not None and both.action == "ChangeConfiguration"


def test_results_of_change_configuration() -> None:
    marker = {"action": "ChangeConfiguration", "property": "configuration", "items": {"A": "1"}}
    accepted = results_of(marker, {"state": "answered", "payload": {"status": "RebootRequired"}})
    assert accepted == {
        "configurationStatus": {"A": {"status": "RebootRequired", "value": "1"}},
        "configuration": {"A": "1"},
    }
    rejected = results_of(marker, {"state": "answered", "payload": {"status": "Rejected"}})
    assert rejected == {"configurationStatus": {"A": {"status": "Rejected", "value": "1"}}}
    assert results_of(marker, {"state": "timeout"}) == {}
    assert results_of(marker, {"state": "error", "errorCode": "NotImplemented"}) == {
        "configurationStatus": {"A": {"status": "CallError", "value": "1"}}
    }


def test_results_of_set_variables_match_each_key_by_identity() -> None:
    items = {"Ctrl.A": "1", "EVSE/1.B.MaxSet": "2", "Ctrl.Missing": "3"}
    marker = {"action": "SetVariables", "property": "configuration", "items": items}
    payload = {
        "setVariableResult": [
            {
                "attributeStatus": "Rejected",
                "attributeType": "MaxSet",
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "B"},
            },
            {"attributeStatus": "Accepted", "component": {"name": "Ctrl"}, "variable": {"name": "A"}},
            {"attributeStatus": "Accepted", "component": {"name": "Other"}, "variable": {"name": "A"}},
        ]
    }
    patch = results_of(marker, {"state": "answered", "payload": payload})
    assert patch["configuration"] == {"Ctrl.A": "1"}
    assert {key: entry["status"] for key, entry in patch["configurationStatus"].items()} == {
        "Ctrl.A": "Accepted",
        "EVSE/1.B.MaxSet": "Rejected",
        "Ctrl.Missing": "Invalid",
    }


def test_availability_scheduled_is_taken() -> None:
    marker = {"action": "ChangeAvailability", "property": "availability", "items": {"1": "Inoperative"}}
    patch = results_of(marker, {"state": "answered", "payload": {"status": "Scheduled"}})
    assert patch == {
        "availabilityStatus": {"1": {"status": "Scheduled", "value": "Inoperative"}},
        "availability": {"1": "Inoperative"},
    }


def test_status_labels_are_bounded() -> None:
    assert status_label("Rejected") == "Rejected"
    assert status_label("x" * 100) == "other"


def test_a_taken_value_the_station_no_longer_reports_is_sent_again() -> None:
    desired = {"configuration": {"A": "1"}}
    drifted = {
        "configuration": {"A": "0"},
        "configurationStatus": {"A": {"status": "Accepted", "value": "1"}},
    }
    plan = plan_next(desired, drifted, "1.6")
    assert plan.call is not None and plan.call.items == {"A": "1"}
