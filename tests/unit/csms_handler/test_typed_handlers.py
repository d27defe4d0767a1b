"""The handlers typed with the generated OCPP TypedDicts answer as before, and both versions alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import CallContext, Lookups
from csms_handler.handlers.v16.boot_notification import boot_notification as boot_16
from csms_handler.handlers.v201.boot_notification import boot_notification as boot_201

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
BOOT_16 = {"chargePointModel": "M", "chargePointVendor": "V"}
BOOT_201 = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}


def _context(version: OcppVersion, registration: str | None) -> CallContext:
    return CallContext("CP-1", version, "m-1", NOW, 300, Lookups(registration_status=registration))


@pytest.mark.parametrize("registration", ["Accepted", "Pending", "Rejected"])
def test_boot_replies_carry_the_registry_status_as_plain_strings(registration: str) -> None:
    for handler, request, version in (
        (boot_16, BOOT_16, OcppVersion.V16),
        (boot_201, BOOT_201, OcppVersion.V201),
    ):
        reply = handler(request, _context(version, registration))
        assert reply.payload == {
            "currentTime": "2026-12-03T10:00:00.000Z",
            "interval": 300,
            "status": registration,
        }
        assert type(reply.payload["status"]) is str


@pytest.mark.parametrize(
    ("handler", "request_payload", "version"),
    [(boot_16, BOOT_16, OcppVersion.V16), (boot_201, BOOT_201, OcppVersion.V201)],
    ids=["1.6", "2.0.1"],
)
def test_an_unknown_registry_status_is_an_internal_error_in_both_versions(
    handler: object, request_payload: dict[str, object], version: OcppVersion
) -> None:
    # 2.0.1 raised a bare ValueError here before its reply was typed; 1.6 already answered InternalError.
    assert callable(handler)
    with pytest.raises(OcppError) as raised:
        handler(request_payload, _context(version, "Sleeping"))
    assert raised.value.kind is ErrorKind.INTERNAL_ERROR
