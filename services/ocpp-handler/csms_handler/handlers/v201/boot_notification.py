"""BootNotification: answer with the registry's status for the station and report its identity."""

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


def boot_notification(request: Payload, context: CallContext) -> Reply:
    status = RegistrationStatusEnumType(context.lookups.registration_status or ACCEPTED)
    reply = call_result.BootNotification(
        current_time=context.now_iso,
        # While Pending or Rejected, the interval is how long the station waits before booting again.
        interval=context.heartbeat_interval,
        status=status,
    )
    reported = {
        "chargingStation": request["chargingStation"],
        "bootReason": request["reason"],
        "bootedAt": context.now_iso,
        "registrationStatus": status.value,
    }
    return Reply(payload_of(reply), [ShadowUpdate(reported)])
