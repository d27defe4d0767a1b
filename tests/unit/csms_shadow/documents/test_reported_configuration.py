"""GetConfiguration / GetVariables answers as reported configuration, in the desired key format."""

from __future__ import annotations

from csms_shadow.documents.reported_configuration import MAX_REPORTED_KEYS, reported_configuration


def test_get_configuration_answer() -> None:
    command = {
        "action": "GetConfiguration",
        "state": "answered",
        "payload": {
            "configurationKey": [
                {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                {"key": "NoValue", "readonly": True},
                {"key": "Huge", "readonly": True, "value": "x" * 1001},
            ],
            "unknownKey": ["Nope"],
        },
    }
    assert reported_configuration(command) == {"configuration": {"HeartbeatInterval": "300"}}


def test_get_variables_answer_uses_desired_keys() -> None:
    command = {
        "action": "GetVariables",
        "state": "answered",
        "payload": {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "120",
                },
                {
                    "attributeStatus": "Accepted",
                    "attributeType": "MaxSet",
                    "component": {"name": "EVSE", "evse": {"id": 1, "connectorId": 2}},
                    "variable": {"name": "Power"},
                    "attributeValue": "11000",
                },
                {"attributeStatus": "UnknownVariable", "component": {"name": "X"}, "variable": {"name": "Y"}},
            ]
        },
    }
    assert reported_configuration(command) == {
        "configuration": {"OCPPCommCtrlr.HeartbeatInterval": "120", "EVSE/1/2.Power.MaxSet": "11000"}
    }


def test_only_answered_reporting_commands_count() -> None:
    assert reported_configuration({"action": "GetConfiguration", "state": "error"}) == {}
    assert (
        reported_configuration({"action": "Reset", "state": "answered", "payload": {"status": "Accepted"}})
        == {}
    )


def test_an_answer_is_bounded() -> None:
    keys = [{"key": f"K{i}", "readonly": False, "value": "v"} for i in range(MAX_REPORTED_KEYS + 50)]
    command = {"action": "GetConfiguration", "state": "answered", "payload": {"configurationKey": keys}}
    assert len(reported_configuration(command)["configuration"]) == MAX_REPORTED_KEYS
