"""What every endpoint that sends a call to a station checks first."""

from __future__ import annotations

import time

from flask import current_app

from csms_api.blueprints.stations import bus
from csms_api.errors import ApiError
from csms_api.metrics import RATE_LIMITED
from csms_api.rate_limit import RateLimiter, retry_after_header
from csms_common.ocpp.errors import OcppError
from csms_common.ocpp.frames import Call
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_common.topics import RegistryMethod


def connected_version(station_id: str) -> OcppVersion:
    """The OCPP version of the station's live connection; 404 if unknown, 409 if offline.

    Presence is recorded a few milliseconds after a station connects; a command sent in that
    moment is not refused: the registry is asked again for up to API_CONNECT_GRACE seconds.
    """
    grace: float = current_app.config["CSMS_CONNECT_GRACE"]
    deadline = time.monotonic() + grace
    while True:
        status, station = bus().registry(RegistryMethod.GET, {"chargePointId": station_id})
        if status == 404:
            raise ApiError(404, f"Charge point not found: {station_id}")
        if status != 200:
            raise ApiError(status, str(station.get("error", "registry request failed")))
        connection = station.get("connection")
        if station.get("connected") and isinstance(connection, dict):
            return OcppVersion.from_subprotocol(connection.get("protocol"))
        if time.monotonic() >= deadline:
            raise ApiError(409, f"Charge point not connected: {station_id}")
        time.sleep(0.1)


def validated(call: Call, version: OcppVersion) -> Call:
    """Never send a frame the station's schema refuses: the caller gets a 400 instead."""
    schemas: SchemaRegistry = current_app.extensions["csms_schemas"]
    try:
        schemas.validate_request(version, call.action, call.payload)
    except OcppError as error:
        raise ApiError(400, f"Invalid {call.action} payload: {error.description}") from error
    return call


def limit_commands(station_id: str) -> None:
    """429 with Retry-After when a station gets more commands than API_COMMAND_RATE/BURST allow."""
    limiter: RateLimiter = current_app.extensions["csms_command_limiter"]
    wait = limiter.acquire(station_id)
    if wait > 0:
        RATE_LIMITED.inc()
        raise ApiError(
            429,
            f"Too many commands for {station_id}; retry later",
            {"Retry-After": retry_after_header(wait)},
        )
