"""ReservationStatusUpdate: record that a reservation expired or was removed, under ``reservations.{id}``."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import ReservationStatusUpdateRequest, ReservationStatusUpdateResponse
from csms_handler.context import CallContext, Reply, ShadowUpdate


def reservation_status_update(
    request: ReservationStatusUpdateRequest, context: CallContext
) -> Reply[ReservationStatusUpdateResponse]:
    reservation = {"status": request["reservationUpdateStatus"], "updatedAt": context.now_iso}
    return Reply({}, [ShadowUpdate({"reservations": {str(request["reservationId"]): reservation}})])
