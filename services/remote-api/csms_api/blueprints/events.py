"""The event log (``GET /events``), its live stream (``GET /events/stream``, SSE) and ``GET /audit``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import station_id_parameter
from csms_api.bus import ApiBus
from csms_api.config import ApiSettings
from csms_api.errors import ApiError
from csms_api.metrics import SSE_REFUSED, SSE_STREAMS
from csms_api.models.events import (
    AuditPage,
    AuditQuery,
    EventPage,
    EventQuery,
    StreamFrame,
    StreamHeaders,
    StreamQuery,
)
from csms_api.operations import Answer, operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.events import EVENT_TYPES, MAX_TYPES_PER_FILTER
from csms_common.topics import RegistryMethod

events = Blueprint("events", __name__)

MAX_LIMIT = 1000
STREAM_PAGE = 100
KEEPALIVE_SECONDS = 15.0
RETRY_MILLISECONDS = 1000


class StreamSlots:
    """A cap on the event streams one process serves at once (each holds a worker thread)."""

    def __init__(self, capacity: int) -> None:
        self._slots = threading.BoundedSemaphore(capacity) if capacity > 0 else None

    def take(self) -> bool:
        return self._slots is not None and self._slots.acquire(blocking=False)

    def give_back(self) -> None:
        if self._slots is not None:
            self._slots.release()


def _settings() -> ApiSettings:
    settings: ApiSettings = current_app.extensions["csms_settings"]
    return settings


def _limit(default: int) -> int:
    text = request.args.get("limit")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ApiError(400, f"Invalid limit: must be an integer from 1 to {MAX_LIMIT}")
    return int(text)


def _types() -> list[str]:
    """``type`` repeated and/or comma-separated."""
    names = [name.strip() for value in request.args.getlist("type") for name in value.split(",")]
    names = [name for name in names if name]
    if len(names) > MAX_TYPES_PER_FILTER:
        raise ApiError(400, f"Invalid type: at most {MAX_TYPES_PER_FILTER} event types")
    unknown = sorted(set(names) - EVENT_TYPES)
    if unknown:
        raise ApiError(400, f"Invalid type: unknown event types {', '.join(unknown)[:200]}")
    return names


def _query(after: str | None, limit: int) -> dict[str, Any]:
    query: dict[str, Any] = {"limit": limit, "types": _types()}
    if after:
        query["after"] = after
    station = request.args.get("chargePointId")
    if station is not None:
        query["chargePointId"] = station_id_parameter(station)
    return query


def _page(api_bus: ApiBus, query: dict[str, Any]) -> dict[str, Any]:
    status, answer = api_bus.registry(RegistryMethod.EVENTS, query)
    if status != 200:
        raise ApiError(status, str(answer.get("error", "event log request failed")))
    return answer


@events.get("/events")
@requires(Scope.READ)
@operation(
    "The event log, oldest first, after an id; `next` is the id to ask after next time",
    {200: (EventPage, "A page of events")},
    query=EventQuery,
    errors=(410,),
)
def list_events() -> tuple[Response, int]:
    """A page of events after ``after``, and ``next``: the id to ask after next time."""
    answer = _page(bus(), _query(request.args.get("after"), _limit(100)))
    return jsonify({"events": answer["events"], "next": answer["next"]}), 200


@events.get("/events/stream")
@requires(Scope.READ)
@operation(
    "Live events as Server-Sent Events, from Last-Event-ID (or after; else from now); the stream ends "
    "after API_SSE_MAX_SECONDS with an `end` event, and the client resumes",
    {
        200: Answer(
            StreamFrame, "An event stream (id, event = type, data = the event as JSON)", "text/event-stream"
        )
    },
    query=StreamQuery,
    headers=StreamHeaders,
    errors=(410,),
)
def stream_events() -> Response:
    """Server-Sent Events from ``Last-Event-ID`` (or ``after``; else from now), for a bounded time."""
    settings = _settings()
    after = request.headers.get("Last-Event-ID") or request.args.get("after")
    query = _query(after, STREAM_PAGE)
    api_bus = bus()
    if after is None:
        # Live from now: where the log ends at this moment.
        query["after"] = _page(api_bus, dict(query, tail=True))["next"]
    first = _page(api_bus, query)  # 400/410 for a bad id, before the stream starts
    slots: StreamSlots = current_app.extensions["csms_stream_slots"]
    if not slots.take():
        SSE_REFUSED.inc()
        raise ApiError(
            503,
            "Too many event streams open; try again shortly",
            {"Retry-After": str(RETRY_MILLISECONDS // 1000)},
        )
    SSE_STREAMS.inc()
    body = _stream(api_bus, query, first, settings, slots)
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _stream(
    api_bus: ApiBus, query: dict[str, Any], first: dict[str, Any], settings: ApiSettings, slots: StreamSlots
) -> Iterator[str]:
    try:
        started = time.monotonic()
        deadline = started + settings.sse_max_seconds
        quiet_since = started
        answer = first
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        while True:
            for event in answer["events"]:
                yield _frame(event)
            query["after"] = answer["next"]
            if answer["events"]:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            if time.monotonic() >= deadline:
                # The client reconnects with Last-Event-ID: nothing is missed, the thread is freed.
                yield f"event: end\ndata: {json.dumps({'reason': 'time limit', 'next': query['after']})}\n\n"
                return
            if len(answer["events"]) < STREAM_PAGE:
                time.sleep(settings.sse_poll_seconds)
            try:
                answer = _page(api_bus, query)
            except ApiError as error:
                yield f"event: error\ndata: {json.dumps({'error': error.message})}\n\n"
                return
    finally:
        SSE_STREAMS.dec()
        slots.give_back()


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


@events.get("/audit")
@requires(Scope.ADMIN)
@operation(
    "The audit log of state-changing API calls (token, scope, route, target, result, time)",
    {200: (AuditPage, "A page of audit records")},
    query=AuditQuery,
    errors=(410,),
)
def list_audit() -> tuple[Response, int]:
    """The audit log of state-changing API calls, oldest first, after ``after``."""
    query: dict[str, Any] = {"limit": _limit(100)}
    if request.args.get("after"):
        query["after"] = request.args["after"]
    status, answer = bus().registry(RegistryMethod.AUDIT, query)
    if status != 200:
        raise ApiError(status, str(answer.get("error", "audit log request failed")))
    return jsonify({"records": answer["records"], "next": answer["next"]}), 200
