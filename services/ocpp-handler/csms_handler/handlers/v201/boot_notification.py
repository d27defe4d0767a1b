"""BootNotification: accept the station, tell it the heartbeat interval, report its identity."""

from __future__ import annotations

from ocpp.v201 import call_result
from ocpp.v201.enums import RegistrationStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate, payload_of


def boot_notification(request: Payload, context: CallContext) -> Reply:
    # The gateway admits only registered stations, so a boot that reaches us is Accepted.
    reply = call_result.BootNotification(
        current_time=context.now_iso,
        interval=context.heartbeat_interval,
        status=RegistrationStatusEnumType.accepted,
    )
    reported = {
        "chargingStation": request["chargingStation"],
        "bootReason": request["reason"],
        "bootedAt": context.now_iso,
        "registrationStatus": RegistrationStatusEnumType.accepted.value,
    }
    return Reply(payload_of(reply), [ShadowUpdate(reported)])
