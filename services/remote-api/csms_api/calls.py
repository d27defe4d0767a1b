"""What every endpoint that sends a call to a station checks first."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, g, jsonify

from csms_api.blueprints.stations import bus
from csms_api.errors import ApiError
from csms_api.metrics import RATE_LIMITED, WAIT_REFUSED, WAITING
from csms_api.rate_limit import RateLimiter, retry_after_header
from csms_api.wait_slots import WaitSlots, WaitSlotsFull
from csms_common.commands import CommandState
from csms_common.ocpp.errors import OcppError
from csms_common.ocpp.frames import Call, new_message_id
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


ANONYMOUS = "anonymous"
"""Whose ?wait slots requests use when authentication is switched off (OCPP_API_AUTH=none)."""


@contextlib.contextmanager
def wait_slot(wait: float | None) -> Iterator[None]:
    """While a ``?wait`` command waits, it holds one of its token's API_WAITS_PER_TOKEN slots; with
    every slot taken it is refused before anything is sent: 429 with Retry-After."""
    if wait is None:
        yield
        return
    slots: WaitSlots = current_app.extensions["csms_wait_slots"]
    token = g.get("token_name") or ANONYMOUS
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(slots.hold(token, wait))
        except WaitSlotsFull as full:
            WAIT_REFUSED.inc()
            raise ApiError(
                429,
                f"Too many waiting requests for token {token!r} (at most {full.limit}); retry later",
                {"Retry-After": retry_after_header(full.retry_after)},
            ) from full
        WAITING.inc()
        try:
            yield
        finally:
            WAITING.dec()


# A call that ended without the station's answer, as the HTTP status that says so.
_UNANSWERED_STATUS = {
    CommandState.TIMEOUT.value: 504,
    CommandState.CLOSED.value: 502,
    CommandState.REJECTED.value: 503,
}


def answer_of(result: dict[str, Any] | None, wait: float, base: dict[str, Any]) -> tuple[Response, int]:
    """The HTTP answer for a call that was waited on: 200, 502 (CallError), 504/502/503 (no answer)."""
    if result is None:
        return jsonify(
            {**base, "state": "sent", "error": f"No answer from the station within {wait:g} s"}
        ), 504
    state = result.get("state")
    body = {**base, "state": state}
    if state == CommandState.ANSWERED.value:
        return jsonify({**body, "result": result.get("payload", {})}), 200
    if state == CommandState.ERROR.value:
        error = f"Station answered with {result.get('errorCode')}: {result.get('errorDescription')}"
        return (
            jsonify(
                {
                    **body,
                    "error": error,
                    "errorCode": result.get("errorCode"),
                    "errorDescription": result.get("errorDescription"),
                    "errorDetails": result.get("errorDetails", {}),
                }
            ),
            502,
        )
    reason = str(result.get("reason", state))
    return jsonify({**body, "error": f"Call {state}: {reason}"}), _UNANSWERED_STATUS.get(str(state), 502)


def call_and_answer(
    station_id: str,
    call: Call,
    version: OcppVersion,
    wait: float | None,
    answer: dict[str, Any],
    sent_status: int = 202,
) -> tuple[Response, int]:
    """Send ``call`` to the station. Without ``wait``: ``answer`` at once, with ``sent_status``; with it
    (holding one of the token's wait slots): the station's answer added to ``answer`` (``answer_of``)."""
    with wait_slot(wait):
        result = bus().send_call(station_id, call, version.value, wait)
    if wait is None:
        return jsonify(answer), sent_status
    return answer_of(result, wait, answer)


def send_action(
    station_id: str, action: str, payload: dict[str, Any], version: OcppVersion, wait: float | None
) -> tuple[Response, int]:
    """``action`` with ``payload`` as a schema-checked call: 202 ``sent``, or its answer with ``wait``."""
    call = validated(Call(new_message_id(), action, payload), version)
    answer = {
        "messageId": call.message_id,
        "chargePointId": station_id,
        "action": action,
        "state": CommandState.SENT.value,
    }
    return call_and_answer(station_id, call, version, wait, answer)
