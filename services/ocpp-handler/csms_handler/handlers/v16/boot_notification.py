"""BootNotification: answer with the registry's status for the station and report its identity.

The shadow gets the station in the version-neutral ``chargingStation`` shape of
OCPP 2.x (model, vendorName, serialNumber, firmwareVersion, modem); the 1.6-only
fields keep their own names beside it. 1.6 has no boot reason.
"""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call_result
from ocpp.v16.enums import RegistrationStatus

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_handler.context import (
    ACCEPTED,
    CallContext,
    LookupRequest,
    Payload,
    Reply,
    ShadowUpdate,
    payload_of,
)

_V16_ONLY_FIELDS = ("chargeBoxSerialNumber", "meterType", "meterSerialNumber")


def boot_notification_needs(request: Payload) -> LookupRequest:
    return LookupRequest(registration=True)


def charging_station(request: Payload) -> Payload:
    """The 1.6 request's station identity in the 2.x ``chargingStation`` shape, plus the 1.6-only fields."""
    station: dict[str, Any] = {
        "model": request["chargePointModel"],
        "vendorName": request["chargePointVendor"],
    }
    if "chargePointSerialNumber" in request:
        station["serialNumber"] = request["chargePointSerialNumber"]
    if "firmwareVersion" in request:
        station["firmwareVersion"] = request["firmwareVersion"]
    modem = {key: request[key] for key in ("iccid", "imsi") if key in request}
    if modem:
        station["modem"] = modem
    station.update({key: request[key] for key in _V16_ONLY_FIELDS if key in request})
    return station


def boot_notification(request: Payload, context: CallContext) -> Reply:
    registered = context.lookups.registration_status or ACCEPTED
    try:
        status = RegistrationStatus(registered)
    except ValueError as error:
        raise OcppError(ErrorKind.INTERNAL_ERROR, f"unknown registration status {registered!r}") from error
    reply = call_result.BootNotification(
        current_time=context.now_iso,
        # While Pending or Rejected, the interval is how long the station waits before booting again.
        interval=context.heartbeat_interval,
        status=status,
    )
    reported = {
        "chargingStation": charging_station(request),
        "bootedAt": context.now_iso,
        "registrationStatus": status.value,
    }
    return Reply(payload_of(reply), [ShadowUpdate(reported)])
