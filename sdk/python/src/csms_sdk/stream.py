"""Following ``GET /events/stream`` across its reconnections, without I/O.

The API ends each stream after ``API_SSE_MAX_SECONDS`` with an ``end`` message naming the id to
resume after; a client reconnects with ``Last-Event-ID`` and misses nothing. ``StreamCursor`` reads
the messages and remembers that id; both clients drive it the same way.
"""

from __future__ import annotations

import json
from typing import cast

from csms_sdk.errors import CsmsError
from csms_sdk.models import Event
from csms_sdk.sse import ServerSentEvent

READ_TIMEOUT_SECONDS = 60.0
"""The API sends a keep-alive comment every 15 s; a silence four times as long is a dead connection."""

MAX_RECONNECTS = 5
"""Connection failures in a row before the iterator gives up (an answered reconnection resets it)."""

DEFAULT_RETRY_SECONDS = 1.0


class StreamError(CsmsError):
    """The API ended the stream with an ``error`` message (e.g. the shadow became unavailable)."""


class StreamCursor:
    """Where a stream is: the last event id (sent as ``Last-Event-ID`` when reconnecting)."""

    def __init__(self, after: str | None) -> None:
        self.last_id = after
        self.ended = False
        self.retry_seconds = DEFAULT_RETRY_SECONDS

    def read(self, message: ServerSentEvent) -> Event | None:
        """The event a message carries, or None (``end``: the stream is over, ``ended`` says so)."""
        if message.retry_ms is not None:
            self.retry_seconds = message.retry_ms / 1000
        if message.event == "end":
            resume = json.loads(message.data).get("next")
            if resume:
                self.last_id = str(resume)
            self.ended = True
            return None
        if message.event == "error":
            raise StreamError(str(json.loads(message.data).get("error", message.data)))
        event = cast(Event, json.loads(message.data))
        self.last_id = message.id or event["id"]
        return event

    def reconnecting(self) -> None:
        self.ended = False
