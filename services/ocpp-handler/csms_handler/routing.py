"""The routing table: which function answers which station-initiated action in which version."""

from __future__ import annotations

from collections.abc import Mapping

from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import Route
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.handlers.v201 import V201_ROUTES

ROUTES: Mapping[OcppVersion, Mapping[str, Route]] = {
    OcppVersion.V16: V16_ROUTES,
    # 2.0 and 2.1 share 2.0.1's messages for every action handled here; replies are still
    # validated against each version's own schema before they are sent.
    OcppVersion.V20: V201_ROUTES,
    OcppVersion.V201: V201_ROUTES,
    OcppVersion.V21: V201_ROUTES,
}


def route_for(version: OcppVersion, action: str) -> Route | None:
    return ROUTES[version].get(action)
