"""ReservationStatusUpdate: record that a reservation expired or was removed, under ``reservations.{id}``."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply, ShadowUpdate


def reservation_status_update(request: Payload, context: CallContext) -> Reply:
    reservation = {"status": request["reservationUpdateStatus"], "updatedAt": context.now_iso}
    return Reply({}, [ShadowUpdate({"reservations": {str(request["reservationId"]): reservation}})])
