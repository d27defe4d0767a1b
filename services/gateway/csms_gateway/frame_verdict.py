"""What the gateway does with one frame a station sent (sans I/O), judged by the handler's own reader.

Before, the gateway peeked at frames with a reader of its own, more lenient than the
handler's: a call with an id over 36 characters, an empty id or a NaN was forwarded and
awaited under its id, while the handler answered it under ``"-1"``, and the gateway's
call timeout then sent a second answer. Now both use :func:`csms_common.ocpp.frames.judge_frame`:
a frame it refuses is answered here, once, and never reaches a handler.
"""

from __future__ import annotations

from dataclasses import dataclass

from csms_common.ocpp.errors import error_code
from csms_common.ocpp.frames import (
    CALL,
    CALL_ERROR,
    CALL_RESULT,
    Call,
    CallError,
    CallResult,
    FrameError,
    judge_frame,
)
from csms_common.ocpp.versions import OcppVersion


@dataclass(frozen=True)
class FrameHeader:
    """The parts of a frame the gateway looks at: type, id and (for a Call) action."""

    message_type: int
    message_id: str
    action: str | None


@dataclass(frozen=True)
class Forward:
    """A well-formed frame: forward it to the handlers (a Call is then awaited under its id)."""

    header: FrameHeader


@dataclass(frozen=True)
class Answer:
    """A refused Call (or a frame of no known type): the gateway answers with this CallError."""

    reply: CallError


@dataclass(frozen=True)
class MalformedAnswer:
    """A refused CallResult or CallError: never answered; it ends the CSMS call it names, as an error."""

    message_id: str
    description: str


Verdict = Forward | Answer | MalformedAnswer


def header_of(frame: Call | CallResult | CallError) -> FrameHeader:
    if isinstance(frame, Call):
        return FrameHeader(CALL, frame.message_id, frame.action)
    return FrameHeader(CALL_RESULT if isinstance(frame, CallResult) else CALL_ERROR, frame.message_id, None)


def read_header(text: str) -> FrameHeader | None:
    """The frame's type, id and action as the shared reader judges it; None if it refuses the frame."""
    frame = judge_frame(text)
    return None if isinstance(frame, FrameError) else header_of(frame)


def verdict(text: str, version: OcppVersion) -> Verdict:
    frame = judge_frame(text)
    if not isinstance(frame, FrameError):
        return Forward(header_of(frame))
    if frame.message_type in (None, CALL):
        return Answer(CallError(frame.message_id, error_code(frame.kind, version), frame.description, {}))
    return MalformedAnswer(frame.message_id, frame.description)
