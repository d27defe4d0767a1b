"""What a handler gets besides the request, and what it returns: a reply plus effects."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from csms_common.clock import iso_z
from csms_common.ocpp.versions import OcppVersion
from ocpp.charge_point import remove_nones, snake_to_camel_case

Payload = dict[str, Any]


@dataclass(frozen=True)
class CallContext:
    """The station, version and time of one call; the clock is injected so tests fix it."""

    station_id: str
    version: OcppVersion
    message_id: str
    now: datetime
    heartbeat_interval: int

    @property
    def now_iso(self) -> str:
        return iso_z(self.now)


@dataclass(frozen=True)
class ShadowUpdate:
    """Merge ``reported`` into the station's shadow (``None`` values delete keys)."""

    reported: Payload


Effect = ShadowUpdate


@dataclass(frozen=True)
class Reply:
    """A handler's result: the CallResult payload and the effects the shell performs first."""

    payload: Payload
    effects: list[Effect] = field(default_factory=list)


Handler = Callable[[Payload, CallContext], Reply]


def payload_of(message: Any) -> Payload:
    """Turn one of the ocpp library's call_result dataclasses into a wire payload (camelCase, no nulls)."""
    converted: Payload = snake_to_camel_case(remove_nones(dataclasses.asdict(message)))
    return converted
