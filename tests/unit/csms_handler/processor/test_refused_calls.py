"""FrameProcessor, refused calls: unknown, unrouted and invalid calls, and invalid replies of our own."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.ocpp.frames import CallError
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import (
    CallContext,
    Payload,
    Reply,
    Route,
    ShadowUpdate,
)
from csms_handler.processor import FrameProcessor
from tests.unit.csms_handler.processor.frames import (
    BOOT,
    LAST_SEEN,
    T0,
    V16,
    V20,
    V21,
    V201,
    _call_error,
    _process,
    _raw,
)
from tests.unit.csms_handler.routes import processor_with


@pytest.mark.parametrize(
    ("version", "action", "payload", "code", "description"),
    [
        (V201, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 2.0.1 action"),
        (V16, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 1.6 action"),
        (V20, "TransactionEvents", {}, "NotImplemented", "TransactionEvents is not an OCPP 2.0 action"),
        (V16, "TransactionEvent", {}, "NotImplemented", "TransactionEvent is not an OCPP 1.6 action"),
        (V21, "Bogus", {}, "NotImplemented", "Bogus is not an OCPP 2.1 action"),
        # Reset is a CSMS-initiated action: known to the schemas, routed for no station.
        (
            V201,
            "Reset",
            {"type": "Immediate"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.0.1",
        ),
        # not supported is decided before the payload is looked at
        (V201, "Reset", {"bogus": 1}, "NotSupported", "Reset is not supported by this CSMS for OCPP 2.0.1"),
        (
            V20,
            "Reset",
            {"type": "OnIdle"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.0",
        ),
        (
            V21,
            "Reset",
            {"type": "Immediate"},
            "NotSupported",
            "Reset is not supported by this CSMS for OCPP 2.1",
        ),
        (
            V201,
            "RequestStartTransaction",
            {},
            "NotSupported",
            "RequestStartTransaction is not supported by this CSMS for OCPP 2.0.1",
        ),
        (V16, "Reset", {"type": "Hard"}, "NotSupported", "Reset is not supported by this CSMS for OCPP 1.6"),
        (
            V16,
            "RemoteStartTransaction",
            {"idTag": "TAG"},
            "NotSupported",
            "RemoteStartTransaction is not supported by this CSMS for OCPP 1.6",
        ),
        (
            V201,
            "Authorize",
            {"idToken": {"idToken": "04A2B3C4"}},
            "OccurenceConstraintViolation",
            "Authorize: idToken: 'type' is a required property",
        ),
        (
            V201,
            "BootNotification",
            {"reason": "PowerUp"},
            "OccurenceConstraintViolation",
            "BootNotification: (payload): 'chargingStation' is a required property",
        ),
        (
            V201,
            "StatusNotification",
            {"timestamp": T0, "connectorStatus": "Available", "evseId": "1", "connectorId": 1},
            "TypeConstraintViolation",
            "StatusNotification: evseId: '1' is not of type 'integer'",
        ),
        (
            V201,
            "BootNotification",
            {**BOOT, "reason": "Bored"},
            "PropertyConstraintViolation",
            "BootNotification: reason: 'Bored' is not one of ['ApplicationReset', 'FirmwareUpdate', "
            "'LocalReset', 'PowerUp', 'RemoteReset', 'ScheduledReset', 'Triggered', 'Unknown', 'Watchdog']",
        ),
        (
            V201,
            "Heartbeat",
            {"extra": True},
            "FormatViolation",
            "Heartbeat: (payload): Additional properties are not allowed ('extra' was unexpected)",
        ),
    ],
)
def test_refused_calls(
    processor: FrameProcessor,
    version: OcppVersion,
    action: str,
    payload: Payload,
    code: str,
    description: str,
) -> None:
    outcome = _process(processor, _raw([2, "m1", action, payload]), version)
    assert outcome == _call_error("m1", code, description, action)


@pytest.mark.parametrize(
    ("version", "code"), [(V201, "OccurenceConstraintViolation"), (V16, "OccurenceConstraintViolation")]
)
def test_schema_errors_use_the_version_spelling(
    schemas: SchemaRegistry, version: OcppVersion, code: str
) -> None:
    def never_called(request: Payload, context: CallContext) -> Reply[Any]:
        raise AssertionError("an invalid request reached the handler")

    processor = processor_with(schemas, "BootNotification", Route(never_called))
    outcome = _process(processor, _raw([2, "m1", "BootNotification", {}]), version)
    assert outcome.reply is not None
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == code
    assert outcome.effects == [LAST_SEEN]


@pytest.mark.parametrize("version", [V201, V16])
def test_an_invalid_reply_of_our_own_is_an_internal_error(
    schemas: SchemaRegistry, version: OcppVersion
) -> None:
    def broken(request: Payload, context: CallContext) -> Reply[Any]:
        return Reply({"currentTime": 12}, [ShadowUpdate({"x": 1})])

    processor = processor_with(schemas, "Heartbeat", Route(broken))
    outcome = _process(processor, _raw([2, "m1", "Heartbeat", {}]), version)
    # The handler's effects are dropped: only lastSeen is reported.
    assert outcome == _call_error(
        "m1", "InternalError", "the CSMS could not build a valid reply", "Heartbeat"
    )
