"""What a route for a station's answer to a CSMS call gets, and what it returns.

An answer route is a pure function ``(answer payload, AnswerContext) -> AnswerReply``, run
after the answer has passed its action's response schema; the answer is recorded on its
command record whatever the route does. Its effects are performed like a call handler's,
before the record is published. See docs/handler-routes.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic

from csms_common.ocpp.versions import OcppVersion
from csms_handler.budgets import StationLimits
from csms_handler.context import Effect, Response


@dataclass(frozen=True)
class AnswerContext:
    """The station, version and time of one answer, and the id of the CSMS call it answers."""

    station_id: str
    version: OcppVersion
    message_id: str
    now: datetime
    limits: StationLimits = field(default_factory=StationLimits)


@dataclass(frozen=True)
class AnswerReply:
    """What to do about an answer besides recording it: effects, and budget reasons for what was not kept."""

    effects: list[Effect] = field(default_factory=list)
    over_budget: tuple[str, ...] = ()


NOTHING_MORE = AnswerReply()
"""The answer is recorded on its command record and nothing else happens."""


@dataclass(frozen=True)
class AnswerRoute(Generic[Response]):
    """One entry of a version's answer routing table: ``AnswerRoute[ResetResponse]``."""

    handler: Callable[[Response, AnswerContext], AnswerReply]


AnyAnswerRoute = AnswerRoute[Any]
