"""Which TCP connections may start a handshake, and how many connections the process can hold.

A connection is *pending* from the moment it is accepted until its WebSocket handshake
completes (or it closes). Pending connections cost a file descriptor and a timer each
and prove nothing yet, so they are capped per process and per source address; one
beyond either cap gets ``503`` at once and is closed, and an idle one is closed by the
handshake timeout. TLS connections are counted once their TLS handshake is done (the
TLS handshake itself is bounded by the same timeout).

A source address that has spent its budget of refused handshakes (address_refusals.py) is
answered ``429`` at accept time, after holding the connection ``hold_seconds`` (its request
is read and dropped meanwhile): a client that retries as soon as it is refused then costs
one accepted socket per hold, not one HTTP exchange per round trip. Held connections are
pending, so the caps above bound them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from websockets.asyncio.server import ServerConnection

from csms_gateway.address_refusals import AddressRefusals
from csms_gateway.metrics import BUDGET_EXCEEDED, HANDSHAKES

logger = logging.getLogger(__name__)

FD_RESERVE = 256
"""File descriptors kept for everything but station sockets: the broker, /metrics, logs, libraries."""

REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 37\r\n"
    b"Retry-After: 5\r\n"
    b"Connection: close\r\n\r\n"
    b"Too many pending handshakes, retry.\r\n"
)
ADDRESS_REFUSAL_BODY = b"Too many refused handshakes from this address, retry later.\r\n"


def address_refusal(retry_after: float) -> bytes:
    """The 429 written to a connection from an address over its refusal budget (before its request)."""
    return (
        b"HTTP/1.1 429 Too Many Requests\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: %d\r\n"
        b"Retry-After: %d\r\n"
        b"Connection: close\r\n\r\n%s"
    ) % (len(ADDRESS_REFUSAL_BODY), max(1, math.ceil(retry_after)), ADDRESS_REFUSAL_BODY)


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int
    """Completed WebSocket connections (stations) at once."""
    max_pending: int
    """Connections between TCP accept and a completed handshake, at once."""
    max_pending_per_address: int


def file_descriptor_limit() -> int:
    """RLIMIT_NOFILE after raising the soft limit to the hard one (allowed without privileges)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as error:
            logger.warning("could not raise the file descriptor limit", extra={"error": str(error)})
    return soft if soft != resource.RLIM_INFINITY else 1 << 30


def clamp_limits(
    max_connections: int, max_pending: int, max_pending_per_address: int, fd_limit: int
) -> ConnectionLimits:
    """Stations and pending handshakes together stay below the descriptor limit, with a reserve.

    Above it, accept() fails with EMFILE and asyncio stops accepting for a second at a time, so no
    limit of ours would ever answer; clamped, a full gateway says 503 instead."""
    room = max(2, fd_limit - FD_RESERVE)
    pending = max(1, min(max_pending, room // 4))
    connections = max(1, min(max_connections, room - pending))
    if (connections, pending) != (max_connections, max_pending):
        logger.warning(
            "connection limits clamped to the file descriptor limit",
            extra={
                "fd_limit": fd_limit,
                "reserve": FD_RESERVE,
                "max_connections": connections,
                "configured_max_connections": max_connections,
                "max_pending_handshakes": pending,
                "configured_max_pending_handshakes": max_pending,
            },
        )
    return ConnectionLimits(connections, pending, min(max_pending_per_address, pending))


class PendingHandshakes:
    """Counts pending connections, in total and per source address (sans I/O)."""

    def __init__(
        self, max_pending: int, max_per_address: int, on_refused: Callable[[str, str], None] | None = None
    ) -> None:
        self._on_refused = on_refused
        self._max_pending = max_pending
        self._max_per_address = max_per_address
        self._per_address: dict[str, int] = {}
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    def admit(self, address: str) -> str | None:
        """Count a new connection in; None if admitted, else why not (a metric label)."""
        if self._total >= self._max_pending:
            return self._refuse(address, "pending_total")
        held = self._per_address.get(address, 0)
        if held >= self._max_per_address:
            return self._refuse(address, "pending_address")
        self._per_address[address] = held + 1
        self._total += 1
        return None

    def _refuse(self, address: str, reason: str) -> str:
        if self._on_refused is not None:
            self._on_refused(address, reason)
        return reason

    def release(self, address: str) -> None:
        held = self._per_address.get(address, 0)
        if held <= 0:
            return
        self._total -= 1
        if held == 1:
            del self._per_address[address]
        else:
            self._per_address[address] = held - 1


def peer_host(transport: Any) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return "-"


class AdmittingConnection(ServerConnection):
    """A websockets ServerConnection counted while pending and refused beyond the caps.

    websockets creates one per accepted TCP connection (``create_connection``); the count is
    released when the handshake completes (:meth:`leave_pending`) or the connection ends. A
    subclass made by :func:`admitting_connection_class` carries the gateway's counters.
    """

    pending: ClassVar[PendingHandshakes]
    refusals: ClassVar[AddressRefusals]
    hold_seconds: ClassVar[float]
    pending_address: str | None = None
    held: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        address = peer_host(transport)
        refused = self.pending.admit(address)
        if refused is not None:
            # Before any request is read: websockets has written nothing yet, so a plain 503 is valid HTTP.
            transport.write(REFUSAL)
            transport.close()
            return
        self.pending_address = address
        if self.refusals.wait(address, time.monotonic()) > 0:
            BUDGET_EXCEEDED.labels("refused_address").inc()
            HANDSHAKES.labels("throttled").inc()
            self.held = self.loop.call_later(self.hold_seconds, self._refuse_held, address)

    def _refuse_held(self, address: str) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(address_refusal(self.refusals.wait(address, time.monotonic())))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.held is not None:
            return  # a held connection's request is never parsed
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.held is not None:
            self.held.cancel()
        self.leave_pending()
        super().connection_lost(exc)

    def leave_pending(self) -> None:
        if self.pending_address is not None:
            self.pending.release(self.pending_address)
            self.pending_address = None


def admitting_connection_class(
    pending: PendingHandshakes, refusals: AddressRefusals, hold_seconds: float
) -> type[AdmittingConnection]:
    """The connection class of one gateway, bound to its counters."""
    return type(
        "GatewayConnection",
        (AdmittingConnection,),
        {"pending": pending, "refusals": refusals, "hold_seconds": hold_seconds},
    )
