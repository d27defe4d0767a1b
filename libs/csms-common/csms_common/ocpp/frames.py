"""OCPP-J frames: parse the text a peer sent into typed frames, and serialize them back.

``[2, id, action, payload]`` is a Call, ``[3, id, payload]`` a CallResult and
``[4, id, code, description, details]`` a CallError. Parsing never raises
anything but :class:`FrameError`, which says which CallError to answer with.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from csms_common.json_limits import json_problem
from csms_common.ocpp.errors import ErrorKind

CALL = 2
CALL_RESULT = 3
CALL_ERROR = 4

UNKNOWN_MESSAGE_ID = "-1"
"""The message id of a CallError answering a frame whose id cannot be read (OCPP-J 2.0.1 §4.2.3)."""

MAX_MESSAGE_ID_LENGTH = 36


@dataclass(frozen=True)
class Call:
    """A request: ``[2, message_id, action, payload]``."""

    message_id: str
    action: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dumps([CALL, self.message_id, self.action, self.payload])


@dataclass(frozen=True)
class CallResult:
    """A successful answer: ``[3, message_id, payload]``."""

    message_id: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dumps([CALL_RESULT, self.message_id, self.payload])


@dataclass(frozen=True)
class CallError:
    """An error answer: ``[4, message_id, error_code, description, details]``."""

    message_id: str
    error_code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        description = self.description
        if len(description) > MAX_DESCRIPTION_LENGTH:
            description = description[: MAX_DESCRIPTION_LENGTH - 1] + "…"
        return _dumps([CALL_ERROR, self.message_id, self.error_code, description, self.details])


Frame = Call | CallResult | CallError


class FrameError(Exception):
    """The text is not a valid OCPP-J frame; answer with a CallError of ``kind``."""

    def __init__(self, kind: ErrorKind, description: str, message_id: str | None = None) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.message_id = message_id if message_id is not None else UNKNOWN_MESSAGE_ID
        self.message_type: int | None = None


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def new_message_id() -> str:
    """A fresh message id (a UUID, 36 characters: the OCPP 2.0.1 maximum)."""
    return str(uuid.uuid4())


MAX_DESCRIPTION_LENGTH = 255
"""OCPP-J 2.0.1 limits a CallError's errorDescription to 255 characters; 1.6 sets no limit, and a
short description keeps an answer well under any frame-size limit whatever the request carried."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
"""A JSON escape of a UTF-16 surrogate: the only way a lone surrogate gets into decoded text (UTF-8 text
cannot hold one). A valid pair decodes to one character; a lone one makes a string no encoder writes."""


def _is_readable_id(message_id: object) -> bool:
    return (
        isinstance(message_id, str)
        and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH
        and _encodable(message_id)
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _holds_lone_surrogate(text: str, decoded: Any) -> bool:
    """Whether any string or key in ``decoded`` cannot be written as UTF-8. Iterative: no recursion."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return False
    stack: list[Any] = [decoded]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if not _encodable(current):
                return True
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return False


def judge_frame(text: str | bytes) -> Frame | FrameError:
    """The one verdict on a station's frame, shared by gateway and handler: the frame, or why not.

    The gateway judges every frame a station sends with this function and answers a refused
    Call itself; the handler only ever sees frames that passed, and uses the same function.
    """
    try:
        return parse_frame(text)
    except FrameError as error:
        return error


def parse_frame(text: str | bytes) -> Frame:
    """Parse one WebSocket message into a frame, or raise FrameError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FrameError(ErrorKind.FORMAT_VIOLATION, "frame is not UTF-8 text") from error
    try:
        decoded = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise FrameError(ErrorKind.FORMAT_VIOLATION, f"frame is not valid JSON: {error}") from error
    if not isinstance(decoded, list) or not decoded:
        raise FrameError(ErrorKind.RPC_FRAMEWORK_ERROR, "frame is not a non-empty JSON array")
    message_type = decoded[0]
    message_id = decoded[1] if len(decoded) > 1 else None
    readable_id = message_id if _is_readable_id(message_id) else None
    if _holds_lone_surrogate(text, decoded):
        # No answer could carry such a string back (not even its description), and no store keeps it.
        refused = FrameError(ErrorKind.FORMAT_VIOLATION, "frame holds a lone UTF-16 surrogate", readable_id)
        known_type = type(message_type) is int and message_type in (CALL, CALL_RESULT, CALL_ERROR)
        refused.message_type = message_type if known_type else None
        raise refused
    if isinstance(message_type, bool) or not isinstance(message_type, int):
        raise FrameError(ErrorKind.RPC_FRAMEWORK_ERROR, "message type id is not an integer", readable_id)
    if message_type not in (CALL, CALL_RESULT, CALL_ERROR):
        raise FrameError(
            ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED,
            f"message type id {message_type} is not supported",
            readable_id,
        )
    if readable_id is None:
        raise _structure_error(
            message_type,
            f"message id must be a string of 1 to {MAX_MESSAGE_ID_LENGTH} characters",
            None,
        )
    # 1e400 reads as inf, which no JSON encoder writes back; deep nesting would overflow later steps.
    problem = json_problem(decoded)
    if problem is not None:
        refused = FrameError(ErrorKind.FORMAT_VIOLATION, f"frame {problem}", readable_id)
        refused.message_type = message_type
        raise refused
    if message_type == CALL:
        return _parse_call(decoded, readable_id)
    if message_type == CALL_RESULT:
        return _parse_call_result(decoded, readable_id)
    return _parse_call_error(decoded, readable_id)


def _structure_error(message_type: int, description: str, message_id: str | None) -> FrameError:
    error = FrameError(ErrorKind.RPC_FRAMEWORK_ERROR, description, message_id)
    error.message_type = message_type
    return error


def _parse_call(decoded: list[Any], message_id: str) -> Call:
    if len(decoded) != 4:
        raise _structure_error(CALL, "a Call has exactly 4 elements", message_id)
    action, payload = decoded[2], decoded[3]
    if not isinstance(action, str) or not action:
        raise _structure_error(CALL, "action must be a non-empty string", message_id)
    if not isinstance(payload, dict):
        invalid_payload = FrameError(ErrorKind.FORMAT_VIOLATION, "payload must be a JSON object", message_id)
        invalid_payload.message_type = CALL
        raise invalid_payload
    return Call(message_id, action, payload)


def _parse_call_result(decoded: list[Any], message_id: str) -> CallResult:
    if len(decoded) != 3 or not isinstance(decoded[2], dict):
        raise _structure_error(CALL_RESULT, "a CallResult has 3 elements, the last an object", message_id)
    return CallResult(message_id, decoded[2])


def _parse_call_error(decoded: list[Any], message_id: str) -> CallError:
    if len(decoded) != 5:
        raise _structure_error(CALL_ERROR, "a CallError has exactly 5 elements", message_id)
    code, description, details = decoded[2], decoded[3], decoded[4]
    if not isinstance(code, str) or not isinstance(description, str) or not isinstance(details, dict):
        raise _structure_error(CALL_ERROR, "CallError elements have the wrong types", message_id)
    return CallError(message_id, code, description, details)
