"""BootNotification: answer with the registry's status for the station and report its identity.

``chargingStation`` always carries every identity key (model, vendorName,
serialNumber, firmwareVersion, modem), null when the station left it out: the
shadow merges objects key by key, so an omitted key would keep an earlier boot's
value. A modem that is sent always carries iccid and imsi the same way.
``customData`` is not kept.
"""

from __future__ import annotations

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.types.v201 import (
    BootNotificationRequest,
    BootNotificationResponse,
    ChargingStationType,
    RegistrationStatusEnumType,
)
from csms_handler.context import (
    ACCEPTED,
    CallContext,
    LookupRequest,
    Payload,
    Reply,
    ShadowUpdate,
)

_STATUSES: dict[str, RegistrationStatusEnumType] = {
    "Accepted": "Accepted",
    "Pending": "Pending",
    "Rejected": "Rejected",
}
"""The registry's status → the reply's (mypy checks each value is one the schema allows)."""


def boot_notification_needs(request: BootNotificationRequest) -> LookupRequest:
    return LookupRequest(registration=True)


def charging_station(station: ChargingStationType) -> Payload:
    """The station's identity with every key present, None where the station sent nothing."""
    modem = station.get("modem")
    return {
        "model": station["model"],
        "vendorName": station["vendorName"],
        "serialNumber": station.get("serialNumber"),
        "firmwareVersion": station.get("firmwareVersion"),
        "modem": None if modem is None else {"iccid": modem.get("iccid"), "imsi": modem.get("imsi")},
    }


def boot_notification(boot: BootNotificationRequest, context: CallContext) -> Reply[BootNotificationResponse]:
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
        "chargingStation": charging_station(boot["chargingStation"]),
        "bootReason": boot["reason"],
        "bootedAt": context.now_iso,
        "registrationStatus": status,
    }
    return Reply(reply, [ShadowUpdate(reported)])
