"""OCPP 2.x NotifyReport: golden calls (2.0, 2.0.1 and 2.1); variables' values as configuration keys."""

from __future__ import annotations

from tests.unit.csms_handler.handlers.v201.golden import T0, T1, Case, GoldenTests

REPORT_ITEM = {
    "component": {"name": "EVSE", "evse": {"id": 1}},
    "variable": {"name": "Power"},
    "variableAttribute": [{"type": "Actual", "value": "22000"}],
}


CASES = [
    Case(
        "notify-report",
        "NotifyReport",
        {
            "requestId": 11,
            "generatedAt": T0,
            "tbc": True,
            "seqNo": 3,
            "reportData": [REPORT_ITEM, REPORT_ITEM],
        },
        {},
        {
            "lastReport": {"requestId": 11, "seqNo": 3, "generatedAt": T0, "tbc": True, "items": 2},
            "configuration": {"EVSE/1.Power": "22000"},
        },
    ),
    Case(
        "notify-report-attributes-as-configuration-keys",
        "NotifyReport",
        {
            "requestId": 13,
            "generatedAt": T0,
            "seqNo": 0,
            "reportData": [
                {
                    "component": {"name": "EVSE", "evse": {"id": 2, "connectorId": 1}},
                    "variable": {"name": "Power"},
                    "variableAttribute": [{"value": "11000"}, {"type": "MaxSet", "value": "7400"}],
                },
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                    "variableAttribute": [{"mutability": "WriteOnly"}],
                },
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "variableAttribute": [{"type": "Actual", "value": "300"}],
                },
            ],
        },
        {},
        {
            "lastReport": {"requestId": 13, "seqNo": 0, "generatedAt": T0, "tbc": False, "items": 3},
            "configuration": {
                "EVSE/2/1.Power": "11000",
                "EVSE/2/1.Power.MaxSet": "7400",
                "OCPPCommCtrlr.HeartbeatInterval": "300",
            },
        },
    ),
    Case(
        "notify-report-empty",
        "NotifyReport",
        {"requestId": 12, "generatedAt": T1, "seqNo": 0},
        {},
        {"lastReport": {"requestId": 12, "seqNo": 0, "generatedAt": T1, "tbc": False, "items": 0}},
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
