"""What the station protocol asks its shell to do, and the clock it reads (no I/O here).

:class:`~csms_gateway.station_protocol.StationProtocol` turns events (a frame from the
station, a frame from MQTT, a deadline reached, the connection closed) into a list of
these actions; the asyncio shell (:mod:`csms_gateway.session`) performs them in order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, Protocol

from csms_common.clock import utc_now_iso
from csms_common.commands import CommandState
from csms_gateway.outstanding import PendingCall


class Clock(Protocol):
    """The time the protocol reads: monotonic seconds for deadlines, a UTC stamp for frames."""

    def monotonic(self) -> float: ...

    def now_iso(self) -> str: ...


class SystemClock:
    """The real clock (the shell's)."""

    # The functions themselves, not methods calling them: read for every frame.
    monotonic = staticmethod(time.monotonic)
    now_iso = staticmethod(utc_now_iso)


class Awaiting(StrEnum):
    CSMS_CALL = "csms_call"
    """A CSMS call written to the station awaits the station's answer."""
    STATION_CALL = "station_call"
    """A station call forwarded to the handlers awaits their answer on ``{cp}/out``."""


class Deadline(NamedTuple):
    """One named deadline: what awaits an answer, and the call's message id.

    A NamedTuple of a StrEnum and a str: it keys the shell's timers, and its hash is then
    computed in C (a frozen dataclass of an Enum is hashed in Python: 490 ns against 70, measured).
    """

    awaiting: Awaiting
    message_id: str


# The actions are plain slotted dataclasses, not frozen ones: four to six are built per round trip
# of frames, and a frozen dataclass's __init__ costs twice as much. Nothing mutates them.


@dataclass(slots=True)
class Write:
    """Write this text frame to the station's WebSocket."""

    text: str


@dataclass(slots=True)
class Publish:
    """Publish a station frame (QoS 1) for the handlers.

    ``station_call`` is the frame's message id when it is a station call: if the publish
    fails, the shell tells the protocol (:meth:`StationProtocol.forward_failed`).
    """

    topic: str
    text: str
    properties: dict[str, str]
    response_topic: str | None = None
    correlation_data: bytes | None = None
    station_call: str | None = None


@dataclass(slots=True)
class Report:
    """Tell the command record (and the call's waiting caller) that a CSMS call ended unanswered."""

    call: PendingCall
    state: CommandState
    reason: str


@dataclass(slots=True)
class SetDeadline:
    """Call :meth:`StationProtocol.deadline_reached` at monotonic time ``at``; replaces a same-named one."""

    deadline: Deadline
    at: float


@dataclass(slots=True)
class CancelDeadline:
    deadline: Deadline


Action = Write | Publish | Report | SetDeadline | CancelDeadline
