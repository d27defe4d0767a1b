"""BootNotification: answer with the registry's status for the station and report its identity.

``chargingStation`` always carries every identity key (model, vendorName,
serialNumber, firmwareVersion, modem), null when the station left it out: the
shadow merges objects key by key, so an omitted key would keep an earlier boot's
value. A modem that is sent always carries iccid and imsi the same way.
``customData`` is not kept.
"""

from __future__ import annotations

from ocpp.v201 import call_result
from ocpp.v201.enums import RegistrationStatusEnumType

from csms_handler.context import (
    ACCEPTED,
    CallContext,
    LookupRequest,
    Payload,
    Reply,
    ShadowUpdate,
    payload_of,
)


def boot_notification_needs(request: Payload) -> LookupRequest:
    return LookupRequest(registration=True)


def charging_station(station: Payload) -> Payload:
    """The station's identity with every key present, None where the station sent nothing."""
    modem = station.get("modem")
    return {
        "model": station["model"],
        "vendorName": station["vendorName"],
        "serialNumber": station.get("serialNumber"),
        "firmwareVersion": station.get("firmwareVersion"),
        "modem": None if modem is None else {"iccid": modem.get("iccid"), "imsi": modem.get("imsi")},
    }


def boot_notification(request: Payload, context: CallContext) -> Reply:
    status = RegistrationStatusEnumType(context.lookups.registration_status or ACCEPTED)
    reply = call_result.BootNotification(
        current_time=context.now_iso,
        # While Pending or Rejected, the interval is how long the station waits before booting again.
        interval=context.heartbeat_interval,
        status=status,
    )
    reported = {
        "chargingStation": charging_station(request["chargingStation"]),
        "bootReason": request["reason"],
        "bootedAt": context.now_iso,
        "registrationStatus": status.value,
    }
    return Reply(payload_of(reply), [ShadowUpdate(reported)])
