"""Admission to the registry check: a bound on checks in flight and on handshakes waiting for one.

A reconnect storm (a gateway process dies and its stations come back to the others within
seconds) asks the shadow service thousands of questions at once. ``max_in_flight`` checks run;
up to ``max_waiting`` more handshakes queue for a slot (each at most the registration timeout);
one beyond both is answered ``503`` with ``Retry-After`` at once, before anything is asked, so a
station is told to come back later instead of waiting until its connect timeout (sans I/O: the
gatekeeper holds the asyncio side).
"""

from __future__ import annotations

from enum import Enum


class Admission(Enum):
    RUN = "run"
    """A slot is free: ask the registry now."""
    WAIT = "wait"
    """Queue for a slot (bounded); :meth:`RegistryAdmission.promoted` or ``gave_up`` follows."""
    REFUSE = "refuse"
    """Every slot and every place in the queue is taken: 503 with Retry-After at once."""


class RegistryAdmission:
    """Counts registry checks in flight and handshakes waiting for one (one per gateway process)."""

    def __init__(self, max_in_flight: int, max_waiting: int) -> None:
        if max_in_flight < 1 or max_waiting < 0:
            raise ValueError("max_in_flight must be >= 1 and max_waiting >= 0")
        self._max_in_flight = max_in_flight
        self._max_waiting = max_waiting
        self._in_flight = 0
        self._waiting = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def waiting(self) -> int:
        return self._waiting

    def arrive(self) -> Admission:
        """A handshake wants a registry check. Waiters are served first: a newcomer never overtakes."""
        if self._in_flight < self._max_in_flight and self._waiting == 0:
            self._in_flight += 1
            return Admission.RUN
        if self._waiting < self._max_waiting:
            self._waiting += 1
            return Admission.WAIT
        return Admission.REFUSE

    def finished(self) -> bool:
        """A check ended; True if a waiter should now be given the freed slot."""
        self._in_flight = max(0, self._in_flight - 1)
        return self._waiting > 0

    def promoted(self) -> None:
        """A waiter got the slot a finished check freed."""
        self._waiting = max(0, self._waiting - 1)
        self._in_flight += 1

    def gave_up(self) -> None:
        """A waiter left the queue without a slot (registration timeout, or its connection closed)."""
        self._waiting = max(0, self._waiting - 1)
