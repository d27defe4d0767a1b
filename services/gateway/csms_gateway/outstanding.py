"""OCPP's rule of one outstanding CSMS→station call per station, as a sans-I/O state machine.

A call to a station is sent only when no other call awaits its answer; later
calls wait in a bounded queue. The gateway feeds this object events (a call to
send, an answer received, a timeout) and writes whatever it returns.
"""

from __future__ import annotations

from dataclasses import dataclass


class CallQueueFull(Exception):
    """The station already has as many calls waiting as the gateway allows."""


@dataclass(frozen=True)
class PendingCall:
    """A CSMS→station call: its id, action, the exact frame text, and who waits for the answer."""

    message_id: str
    action: str
    frame: str
    response_topic: str | None = None
    correlation_data: bytes | None = None


class OutstandingCalls:
    """Tracks the call awaiting an answer and the calls queued behind it."""

    def __init__(self, max_queued: int) -> None:
        self._max_queued = max_queued
        self._in_flight: PendingCall | None = None
        # A list, not a deque: an empty deque takes 760 bytes, an empty list 56, and this exists for
        # every connected station while the queue is short (GATEWAY_MAX_QUEUED_CALLS, 16).
        self._queue: list[PendingCall] = []

    @property
    def in_flight(self) -> PendingCall | None:
        return self._in_flight

    @property
    def queued(self) -> int:
        return len(self._queue)

    def offer(self, call: PendingCall) -> PendingCall | None:
        """Accept a call; return it if it may be written now, None if it was queued."""
        if self._in_flight is None:
            self._in_flight = call
            return call
        if len(self._queue) >= self._max_queued:
            raise CallQueueFull(f"{len(self._queue)} calls already queued")
        self._queue.append(call)
        return None

    def answer(self, message_id: str) -> tuple[PendingCall | None, PendingCall | None]:
        """An answer arrived: return (the call it answers or None, the next call to write or None)."""
        if self._in_flight is None or self._in_flight.message_id != message_id:
            return None, None
        answered = self._in_flight
        return answered, self._advance()

    def expire(self) -> tuple[PendingCall | None, PendingCall | None]:
        """The in-flight call timed out: return (it, the next call to write or None)."""
        expired = self._in_flight
        if expired is None:
            return None, None
        return expired, self._advance()

    def _advance(self) -> PendingCall | None:
        self._in_flight = self._queue.pop(0) if self._queue else None
        return self._in_flight

    def drain(self) -> list[PendingCall]:
        """Everything not yet answered, when the connection ends."""
        remaining = ([self._in_flight] if self._in_flight else []) + list(self._queue)
        self._in_flight = None
        self._queue.clear()
        return remaining
