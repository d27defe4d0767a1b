"""The life of a CSMS→station call as one record: the events that services publish about it.

remote-api publishes ``sent``; the ocpp-handler publishes ``answered`` or
``error`` when the station's answer arrives; the gateway publishes ``timeout``,
``rejected`` (queue full) or ``closed`` (connection ended first). Each event goes
to ``csms/stations/{cp}/commands`` (the shadow service keeps the record) and,
when the call carried an MQTT 5 response topic, to that topic too (a caller
waiting with ``?wait=``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from csms_common.clock import utc_now_iso


class CommandState(StrEnum):
    SENT = "sent"
    ANSWERED = "answered"
    ERROR = "error"
    TIMEOUT = "timeout"
    REJECTED = "rejected"
    CLOSED = "closed"


def command_event(message_id: str, state: CommandState, **fields: Any) -> dict[str, Any]:
    """One event about the call ``message_id``; ``fields`` with None values are left out."""
    event: dict[str, Any] = {"messageId": message_id, "state": state.value, f"{state.value}At": utc_now_iso()}
    event.update({key: value for key, value in fields.items() if value is not None})
    return event
