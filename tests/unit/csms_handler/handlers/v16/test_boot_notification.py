"""OCPP 1.6 BootNotification: golden calls and the handler's particular rules."""

from __future__ import annotations

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.frames import CallError, CallResult
from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.context import LookupRequest, Lookups, ShadowUpdate
from csms_handler.handlers.v16.boot_notification import boot_notification
from csms_handler.processor import FrameProcessor, StationFrame
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.handlers.v16.golden import (
    BOOT_FULL,
    BOOT_FULL_STATION,
    BOOT_MINIMAL,
    BOOT_MINIMAL_STATION,
    INTERVAL,
    LAST_SEEN,
    MESSAGE_ID,
    NOW,
    NOW_ISO,
    STATION,
    V16,
    Case,
    GoldenTests,
    _context,
    _process,
    _raw,
)

CASES = [
    Case(
        "boot-full",
        "BootNotification",
        BOOT_FULL,
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_FULL_STATION,
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Accepted"),
    ),
    Case(
        "boot-minimal-unknown-registration-is-accepted",
        "BootNotification",
        BOOT_MINIMAL,
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Accepted"},
        [
            ShadowUpdate(
                {
                    "chargingStation": BOOT_MINIMAL_STATION,
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Accepted",
                }
            )
        ],
        LookupRequest(registration=True),
    ),
    Case(
        "boot-pending-iccid-only",
        "BootNotification",
        {**BOOT_MINIMAL, "iccid": "8931000000000000001"},
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Pending"},
        [
            ShadowUpdate(
                {
                    "chargingStation": {
                        **BOOT_MINIMAL_STATION,
                        "modem": {"iccid": "8931000000000000001", "imsi": None},
                    },
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Pending",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Pending"),
    ),
    Case(
        "boot-rejected-imsi-and-meter-type",
        "BootNotification",
        {**BOOT_MINIMAL, "imsi": "204040000000001", "meterType": "EM-340"},
        {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Rejected"},
        [
            ShadowUpdate(
                {
                    "chargingStation": {
                        **BOOT_MINIMAL_STATION,
                        "modem": {"iccid": None, "imsi": "204040000000001"},
                        "meterType": "EM-340",
                    },
                    "bootedAt": NOW_ISO,
                    "registrationStatus": "Rejected",
                }
            )
        ],
        LookupRequest(registration=True),
        Lookups(registration_status="Rejected"),
    ),
]


class TestGolden(GoldenTests):
    cases = CASES


def test_the_boot_interval_is_the_configured_one(schemas: SchemaRegistry) -> None:
    outcome = FrameProcessor(schemas, shipped_routing(), 45).process(
        StationFrame(STATION, V16, _raw("BootNotification", BOOT_MINIMAL)), NOW, Lookups()
    )

    assert outcome.reply == CallResult(
        MESSAGE_ID, {"currentTime": NOW_ISO, "interval": 45, "status": "Accepted"}
    )


def test_a_station_pending_registration_may_boot(processor: FrameProcessor) -> None:
    outcome = _process(
        processor,
        "BootNotification",
        BOOT_MINIMAL,
        Lookups(registration_status="Pending"),
        registration_status="Pending",
    )

    assert outcome.reply == CallResult(
        MESSAGE_ID, {"currentTime": NOW_ISO, "interval": INTERVAL, "status": "Pending"}
    )


def test_an_unknown_registration_status_is_an_internal_error(processor: FrameProcessor) -> None:
    with pytest.raises(OcppError) as raised:
        boot_notification(BOOT_MINIMAL, _context(Lookups(registration_status="Maybe")))
    assert raised.value.kind is ErrorKind.INTERNAL_ERROR

    outcome = _process(processor, "BootNotification", BOOT_MINIMAL, Lookups(registration_status="Maybe"))
    assert isinstance(outcome.reply, CallError)
    assert outcome.reply.error_code == "InternalError"
    assert outcome.effects == [LAST_SEEN]
