"""BootNotification: answer with the registry's status for the station and report its identity.

The shadow gets the station in the version-neutral ``chargingStation`` shape of
OCPP 2.x (model, vendorName, serialNumber, firmwareVersion, modem); the 1.6-only
fields keep their own names beside it. 1.6 has no boot reason.

Every identity key is written at every boot, null when the station left it out
(``modem`` is null when neither iccid nor imsi was sent): the shadow merges
objects key by key, so an omitted key would keep an earlier boot's value.
"""

from __future__ import annotations

from typing import Any

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.types.v16 import (
    BootNotificationRequest,
    BootNotificationResponse,
    BootNotificationResponseStatus,
)
from csms_handler.context import (
    ACCEPTED,
    CallContext,
    LookupRequest,
    Payload,
    Reply,
    ShadowUpdate,
)

_STATUSES: dict[str, BootNotificationResponseStatus] = {
    "Accepted": "Accepted",
    "Pending": "Pending",
    "Rejected": "Rejected",
}
"""The registry's status → the reply's (mypy checks each value is one the schema allows)."""


def boot_notification_needs(request: BootNotificationRequest) -> LookupRequest:
    return LookupRequest(registration=True)


def charging_station(request: BootNotificationRequest) -> Payload:
    """The 1.6 request's station identity in the 2.x ``chargingStation`` shape, plus the 1.6-only fields.

    Every key is always there, None where the station sent nothing.
    """
    has_modem = "iccid" in request or "imsi" in request
    station: dict[str, Any] = {
        "model": request["chargePointModel"],
        "vendorName": request["chargePointVendor"],
        "serialNumber": request.get("chargePointSerialNumber"),
        "firmwareVersion": request.get("firmwareVersion"),
        "modem": {"iccid": request.get("iccid"), "imsi": request.get("imsi")} if has_modem else None,
    }
    station.update(
        chargeBoxSerialNumber=request.get("chargeBoxSerialNumber"),
        meterType=request.get("meterType"),
        meterSerialNumber=request.get("meterSerialNumber"),
    )
    return station


def boot_notification(
    request: BootNotificationRequest, context: CallContext
) -> Reply[BootNotificationResponse]:
    registered = context.lookups.registration_status or ACCEPTED
    status = _STATUSES.get(registered)
    if status is None:
        raise OcppError(ErrorKind.INTERNAL_ERROR, f"unknown registration status {registered!r}")
    reply: BootNotificationResponse = {
        "currentTime": context.now_iso,
        # While Pending or Rejected, the interval is how long the station waits before booting again.
        "interval": context.heartbeat_interval,
        "status": status,
    }
    reported = {
        "chargingStation": charging_station(request),
        "bootedAt": context.now_iso,
        "registrationStatus": status,
    }
    return Reply(reply, [ShadowUpdate(reported)])
