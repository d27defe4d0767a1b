"""OCPP 1.6 StatusNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

from csms_handler.context import ShadowUpdate
from tests.unit.csms_handler.handlers.v16.golden import T0, T1, Case, GoldenTests

CASES = [
    Case(
        "status-connector-full",
        "StatusNotification",
        {
            "connectorId": 2,
            "errorCode": "GroundFailure",
            "status": "Faulted",
            "timestamp": T0,
            "info": "RCD tripped",
            "vendorErrorCode": "E42",
            "vendorId": "com.acme",
        },
        {},
        [
            ShadowUpdate(
                {
                    "evses": {
                        "2": {
                            "connectors": {
                                "1": {
                                    "status": "Faulted",
                                    "errorCode": "GroundFailure",
                                    "timestamp": T0,
                                    "info": "RCD tripped",
                                    "vendorErrorCode": "E42",
                                    "vendorId": "com.acme",
                                }
                            }
                        }
                    }
                }
            )
        ],
    ),
    Case(
        "status-connector-minimal",
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
        {},
        [
            ShadowUpdate(
                {
                    "evses": {
                        "1": {
                            "connectors": {
                                "1": {
                                    "status": "Available",
                                    "errorCode": "NoError",
                                    "timestamp": None,
                                    "info": None,
                                    "vendorErrorCode": None,
                                    "vendorId": None,
                                }
                            }
                        }
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-full",
        "StatusNotification",
        {
            "connectorId": 0,
            "errorCode": "OtherError",
            "status": "Unavailable",
            "timestamp": T1,
            "info": "maintenance",
            "vendorErrorCode": "M1",
            "vendorId": "com.acme",
        },
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Unavailable",
                        "errorCode": "OtherError",
                        "timestamp": T1,
                        "info": "maintenance",
                        "vendorErrorCode": "M1",
                        "vendorId": "com.acme",
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-minimal",
        "StatusNotification",
        {"connectorId": 0, "errorCode": "NoError", "status": "Available"},
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Available",
                        "errorCode": "NoError",
                        "timestamp": None,
                        "info": None,
                        "vendorErrorCode": None,
                        "vendorId": None,
                    }
                }
            )
        ],
    ),
    Case(
        "status-charge-point-with-timestamp",
        "StatusNotification",
        {"connectorId": 0, "errorCode": "NoError", "status": "Available", "timestamp": T0},
        {},
        [
            ShadowUpdate(
                {
                    "chargePointStatus": {
                        "status": "Available",
                        "errorCode": "NoError",
                        "timestamp": T0,
                        "info": None,
                        "vendorErrorCode": None,
                        "vendorId": None,
                    }
                }
            )
        ],
    ),
]


class TestGolden(GoldenTests):
    cases = CASES
