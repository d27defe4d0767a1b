"""The routing table: which function answers which station-initiated action in which version."""

from __future__ import annotations

from collections.abc import Mapping

from csms_common.ocpp.versions import OcppVersion

from csms_handler.context import Handler
from csms_handler.handlers.v201.boot_notification import boot_notification
from csms_handler.handlers.v201.heartbeat import heartbeat
from csms_handler.handlers.v201.status_notification import status_notification
from csms_handler.handlers.v201.transaction_event import transaction_event

V201_ROUTES: Mapping[str, Handler] = {
    "BootNotification": boot_notification,
    "Heartbeat": heartbeat,
    "StatusNotification": status_notification,
    "TransactionEvent": transaction_event,
}

ROUTES: Mapping[OcppVersion, Mapping[str, Handler]] = {
    OcppVersion.V201: V201_ROUTES,
    # OCPP 2.0 messages are those of 2.0.1 for every action handled here.
    OcppVersion.V20: V201_ROUTES,
    OcppVersion.V16: {},
}


def handler_for(version: OcppVersion, action: str) -> Handler | None:
    return ROUTES[version].get(action)
