"""Bad input for the gateway: a seeded generator of WebSocket messages, and what each one must cause.

Every input carries its own :class:`Expected` outcome, decided here without the
project's parser (an independent reading of OCPP-J and of the README):

* a binary frame closes the connection with 1003, a text frame that is not UTF-8
  with 1007, a frame larger than ``GATEWAY_MAX_FRAME_BYTES`` with 1009;
* any other text frame is answered exactly once, with a CallResult or a CallError
  carrying the frame's message id (``"-1"`` when none can be read), unless it is
  a CallResult or CallError itself (message type 3 or 4): those are never answered.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_MESSAGE_ID_LENGTH = 36
TIMESTAMP = "2024-01-01T00:00:00Z"

# The OCPP-J error codes each version may answer with (README: 2.0 and 2.0.1 keep 1.6's
# spelling "OccurenceConstraintViolation", 2.1 corrects it).
_CODES_V16 = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)
_CODES_V20 = frozenset(
    {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    }
)
_CODES_V21 = (_CODES_V20 - {"OccurenceConstraintViolation"}) | {"OccurrenceConstraintViolation"}
ERROR_CODES: dict[str, frozenset[str]] = {
    "ocpp1.6": _CODES_V16,
    "ocpp2.0": _CODES_V20,
    "ocpp2.0.1": _CODES_V20,
    "ocpp2.1": _CODES_V21,
}
FORMAT_CODES: dict[str, str] = {
    "ocpp1.6": "FormationViolation",
    "ocpp2.0": "FormatViolation",
    "ocpp2.0.1": "FormatViolation",
    "ocpp2.1": "FormatViolation",
}

Opcode = Literal["text", "binary", "invalid-text"]
"""How the input is sent: a text frame, a binary frame, or raw bytes in a text frame (not UTF-8)."""


@dataclass(frozen=True)
class Expected:
    close_codes: frozenset[int] = frozenset()
    """Non-empty: the gateway must close the connection with one of these codes."""
    reply_id: str | None = None
    """The message id the one answer must carry; None (and no close code): no answer at all."""
    format_error: bool = False
    """The answer must be the version's FormatViolation (the text is not JSON)."""


@dataclass(frozen=True)
class FuzzInput:
    kind: str
    data: str | bytes
    opcode: Opcode
    expected: Expected

    @property
    def size(self) -> int:
        return len(self.data) if isinstance(self.data, bytes) else len(self.data.encode("utf-8"))

    def describe(self, limit: int = 90) -> str:
        shown = self.data[:limit]
        more = "…" if len(self.data) > limit else ""
        return f"{self.kind} {self.opcode} ({self.size} bytes): {shown!r}{more}"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str | bytes) -> Any:
    """json.loads without the NaN/Infinity extensions."""
    return json.loads(text, parse_constant=_refuse_constant)


def expected_answer(text: str) -> Expected:
    """What a text frame of acceptable size must get back, by OCPP-J's rules."""
    try:
        decoded = strict_json(text)
    except (ValueError, RecursionError):
        return Expected(reply_id="-1", format_error=True)
    if not isinstance(decoded, list) or not decoded:
        return Expected(reply_id="-1")
    message_type = decoded[0]
    if type(message_type) is int and message_type in (3, 4):
        return Expected()  # a CallResult or CallError, well-formed or not, is never answered
    message_id = decoded[1] if len(decoded) > 1 else None
    readable = isinstance(message_id, str) and 1 <= len(message_id) <= MAX_MESSAGE_ID_LENGTH
    return Expected(reply_id=message_id if readable else "-1")


# ------------------------------------------------------------------ valid frames

_FRAMES_V2: list[tuple[str, dict[str, Any]]] = [
    ("Heartbeat", {}),
    (
        "BootNotification",
        {
            "chargingStation": {"model": "Fuzz", "vendorName": "Acme", "serialNumber": "SN-1"},
            "reason": "PowerUp",
        },
    ),
    (
        "StatusNotification",
        {"timestamp": TIMESTAMP, "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    ),
    ("Authorize", {"idToken": {"idToken": "tok-1", "type": "ISO14443"}}),
    (
        "MeterValues",
        {
            "evseId": 1,
            "meterValue": [
                {
                    "timestamp": TIMESTAMP,
                    "sampledValue": [{"value": 12.5, "measurand": "Energy.Active.Import.Register"}],
                }
            ],
        },
    ),
    ("DataTransfer", {"vendorId": "acme", "messageId": "m", "data": {"a": [1, 2]}}),
    (
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": TIMESTAMP,
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "tx-1"},
            "evse": {"id": 1, "connectorId": 1},
        },
    ),
    ("SecurityEventNotification", {"type": "FirmwareUpdated", "timestamp": TIMESTAMP}),
    ("FirmwareStatusNotification", {"status": "Installed"}),
]
_FRAMES_V16: list[tuple[str, dict[str, Any]]] = [
    ("Heartbeat", {}),
    ("BootNotification", {"chargePointModel": "Fuzz", "chargePointVendor": "Acme"}),
    ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    ("Authorize", {"idTag": "tok-1"}),
    (
        "MeterValues",
        {"connectorId": 1, "meterValue": [{"timestamp": TIMESTAMP, "sampledValue": [{"value": "12.5"}]}]},
    ),
    ("DataTransfer", {"vendorId": "acme", "messageId": "m", "data": "x"}),
    ("StartTransaction", {"connectorId": 1, "idTag": "tok-1", "meterStart": 0, "timestamp": TIMESTAMP}),
    ("StopTransaction", {"transactionId": 1, "meterStop": 10, "timestamp": TIMESTAMP}),
    ("FirmwareStatusNotification", {"status": "Installed"}),
]

_WRONG_VALUES: list[Any] = [[], {}, 0, -1, 1.5, "1", "", True, None, 10**400, [1, 2], {"a": None}]
_WRONG_TYPES = [0, 1, 5, 9, -1, "2", 2.0, True, False, None, [2], {"t": 2}, 10**400]
_WRONG_IDS: list[Any] = ["", "x" * 37, 17, None, [], {"id": 1}, 1.5, True]


def _dumps(value: Any, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return json.dumps(value)
    if style == 1:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, indent=rng.choice([1, 2]))


def _containers(value: Any) -> Iterator[Any]:
    """Every dict and list inside ``value`` (``value`` included)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _containers(child)
    elif isinstance(value, list):
        yield value
        for child in value:
            yield from _containers(child)


def _random_scalar(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            rng.randrange(-(10**6), 10**6),
            rng.random() * 1000,
            _random_text(rng, 12),
            "Accepted",
        ]
    )


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 2 or roll < 0.5:
        return _random_scalar(rng)
    if roll < 0.75:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_random_text(rng, 6): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


_ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    '[]{}",:0123456789.-+eE \t\n\\/truefalsn',
    "".join(chr(c) for c in range(0x20, 0x7F)),
    "\x00\x01\x1f\x7f\x85\xa0\u2028\u2029\ufeff\ufffe",
    "äöüßéèçñ€ßЖж中文日本語한국어",
    "😀🚗⚡🔌",
]


def _random_text(rng: random.Random, max_length: int) -> str:
    alphabet = rng.choice(_ALPHABETS)
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(max_length + 1)))


# --------------------------------------------------------------------- generator


@dataclass
class Corpus:
    """The inputs of one fuzzing connection."""

    station_id: str
    version: str
    others: list[str]
    max_frame_bytes: int
    rng: random.Random
    inputs: list[FuzzInput] = field(default_factory=list)
    _counter: int = 0

    @property
    def frames(self) -> list[tuple[str, dict[str, Any]]]:
        return _FRAMES_V16 if self.version == "ocpp1.6" else _FRAMES_V2

    def message_id(self, prefix: str = "f") -> str:
        self._counter += 1
        return f"{prefix}-{self._counter}-{self.rng.randrange(10**6)}"

    # -- building inputs

    def text(self, kind: str, text: str) -> FuzzInput:
        if len(text.encode("utf-8")) > self.max_frame_bytes:
            expected = Expected(close_codes=frozenset({1009}))
        else:
            expected = expected_answer(text)
        return FuzzInput(kind, text, "text", expected)

    def binary(self, kind: str, data: bytes) -> FuzzInput:
        # Binary frames are not OCPP-J: 1003 (1007 would do for invalid UTF-8, should websockets check it).
        codes = {1003, 1007} if len(data) <= self.max_frame_bytes else {1009}
        return FuzzInput(kind, data, "binary", Expected(close_codes=frozenset(codes)))

    def invalid_text(self, kind: str, data: bytes) -> FuzzInput:
        return FuzzInput(kind, data, "invalid-text", Expected(close_codes=frozenset({1007})))

    def valid_frame(self) -> list[Any]:
        action, payload = self.rng.choice(self.frames)
        return [2, self.message_id("v"), action, copy.deepcopy(payload)]

    # -- categories

    def random_text(self) -> FuzzInput:
        return self.text("random-text", _random_text(self.rng, self.rng.choice([0, 5, 40, 200])))

    def random_bytes_as_text(self) -> FuzzInput:
        data = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 120)))
        return self.text("random-bytes-as-text", data.decode("latin-1"))

    def binary_frame(self) -> FuzzInput:
        rng = self.rng
        choice = rng.randrange(3)
        if choice == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        elif choice == 1:
            data = json.dumps(self.valid_frame()).encode()
        else:
            data = b""
        return self.binary("binary", data)

    def invalid_utf8(self) -> FuzzInput:
        rng = self.rng
        valid = json.dumps(self.valid_frame()).encode()
        cut = rng.randrange(len(valid))
        bad = rng.choice(
            [b"\xff", b"\xfe\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf"]
        )
        data = valid[:cut] + bad + valid[cut:]
        if rng.random() < 0.5:
            return self.binary("invalid-utf8-binary", data)
        return self.invalid_text("invalid-utf8-text", data)

    def wrong_types(self) -> FuzzInput:
        rng = self.rng
        mid = self.message_id("t")
        templates = [
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1.5",
            '"text"',
            '""',
            "{}",
            '{"a": 1}',
            "[]",
            "[null]",
            "   ",
            "",
            "NaN",
            "Infinity",
            "[-Infinity]",
            f'[2, "{mid}", "Heartbeat", {{"x": NaN}}]',
            f'["2", "{mid}", "Heartbeat", {{}}]',
            f'[2.0, "{mid}", "Heartbeat", {{}}]',
            f'[true, "{mid}", "Heartbeat", {{}}]',
            f'[[2], "{mid}", "Heartbeat", {{}}]',
            f'[{{"2": 2}}, "{mid}", "Heartbeat", {{}}]',
            '[2, 1, "Heartbeat", {}]',
            '[2, null, "Heartbeat", {}]',
            f'[2, "{mid}", 1, {{}}]',
            f'[2, "{mid}", null, {{}}]',
            f'[2, "{mid}", "", {{}}]',
            f'[2, "{mid}", "Heartbeat", null]',
            f'[2, "{mid}", "Heartbeat", []]',
            f'[2, "{mid}", "Heartbeat", "{{}}"]',
            f'[2, "{mid}", "Heartbeat", 1]',
            f'[3, "{mid}", []]',
            f'[4, "{mid}", 1, 2, 3]',
            f'\ufeff[2, "{mid}", "Heartbeat", {{}}]',
            f'[2, "{mid}", "Heartbeat", {{}}] trailing',
            f'[2, "{mid}", "Heartbeat", {{}}][2, "{mid}x", "Heartbeat", {{}}]',
            f"[2, '{mid}', 'Heartbeat', {{}}]",
            f'[2, "{mid}", "Heartbeat", {{}},]',
            f'// comment\n[2, "{mid}", "Heartbeat", {{}}]',
            f'[2, "{mid}", "Heartbeat", {{"a": 1, "a": 2}}]',
        ]
        return self.text("wrong-types", rng.choice(templates))

    def wrong_length(self) -> FuzzInput:
        rng = self.rng
        message_type = rng.choice([2, 3, 4])
        full: list[Any] = {
            2: [2, self.message_id("l"), "Heartbeat", {}],
            3: [3, self.message_id("l"), {}],
            4: [4, self.message_id("l"), "GenericError", "d", {}],
        }[message_type]
        length = rng.choice([n for n in range(0, 8) if n != len(full)])
        frame = (full + [_random_json(rng) for _ in range(8)])[:length]
        return self.text("wrong-length", json.dumps(frame))

    def huge_number(self) -> FuzzInput:
        rng = self.rng
        mid = self.message_id("n")
        big = str(10**400)
        digits = "9" * rng.choice([4301, 5000])
        number = rng.choice([big, "-" + big, "1e400", "-1e400", "1e-400", "1E+99999", digits])
        if self.version == "ocpp1.6":
            slot = f'[2, "{mid}", "StatusNotification", {{"connectorId": {number}, "errorCode": "NoError", "status": "Available"}}]'
        else:
            slot = (
                f'[2, "{mid}", "MeterValues", {{"evseId": 1, "meterValue": [{{"timestamp": "{TIMESTAMP}", '
                f'"sampledValue": [{{"value": {number}}}]}}]}}]'
            )
        templates = [
            number,
            f"[{number}]",
            f'[{number}, "{mid}", "Heartbeat", {{}}]',
            f'[2, {number}, "Heartbeat", {{}}]',
            f'[2, "{mid}", "Heartbeat", {{"x": {number}}}]',
            f'[3, "{mid}", {{"x": {number}}}]',
            slot,
        ]
        return self.text("huge-number", rng.choice(templates))

    def deep_nesting(self) -> FuzzInput:
        rng = self.rng
        depth = rng.choice([10_000, 10_000, 50])
        mid = self.message_id("d")
        templates = [
            "[" * depth + "]" * depth,
            '{"a":' * depth + "1" + "}" * depth,
            "[" * depth,
            f'[2, "{mid}", "DataTransfer", {{"vendorId": "v", "data": ' + "[" * depth + "]" * depth + "}]",
            f'[2, "{mid}", "Heartbeat", ' + '{"a":' * depth + "1" + "}" * depth + "]",
        ]
        return self.text("deep-nesting", rng.choice(templates))

    def long_string(self) -> FuzzInput:
        rng = self.rng
        mid = self.message_id("s")
        long = rng.choice(["x", "é", "😀", "\\u0000"]) * 50_000
        templates = [
            long,
            json.dumps(long),
            f'[2, "{long}", "Heartbeat", {{}}]',
            f'[2, "{mid}", "{long}", {{}}]',
            f'[2, "{mid}", "DataTransfer", {{"vendorId": "{long}"}}]',
            f'[2, "{mid}", "Heartbeat", {{"{long}": 1}}]',
            f'[4, "{mid}", "GenericError", "{long}", {{}}]',
        ]
        return self.text("long-string", rng.choice(templates))

    def mutated(self) -> FuzzInput:
        rng = self.rng
        frame: list[Any] = self.valid_frame()
        mutations: list[Callable[[list[Any]], list[Any]]] = [
            self._flip_type,
            self._drop_field,
            self._wrong_enum,
            self._wrong_value,
            self._unknown_property,
            self._drop_element,
            self._extra_element,
            self._change_action,
            self._bad_id,
            self._payload_not_object,
        ]
        for mutation in rng.sample(mutations, rng.choice([1, 1, 2, 3])):
            frame = mutation(frame)
        text = _dumps(frame, rng)
        roll = rng.random()
        if roll < 0.1:
            text = text[: rng.randrange(len(text))]
        elif roll < 0.2:
            position = rng.randrange(len(text))
            text = text[:position] + rng.choice('[]{}",:x\\') + text[position + 1 :]
        return self.text("mutated", text)

    def _flip_type(self, frame: list[Any]) -> list[Any]:
        return [self.rng.choice([3, 4, *_WRONG_TYPES]), *frame[1:]]

    def _drop_field(self, frame: list[Any]) -> list[Any]:
        objects = [c for c in _containers(frame[3:]) if isinstance(c, dict) and c]
        if objects:
            target = self.rng.choice(objects)
            del target[self.rng.choice(sorted(target))]
        return frame

    def _wrong_enum(self, frame: list[Any]) -> list[Any]:
        slots = [
            (c, k)
            for c in _containers(frame[3:])
            if isinstance(c, dict)
            for k, v in c.items()
            if isinstance(v, str)
        ]
        if slots:
            container, key = self.rng.choice(slots)
            container[key] = self.rng.choice(
                ["Nope", "", container[key].lower(), container[key] + " ", "x" * 300]
            )
        return frame

    def _wrong_value(self, frame: list[Any]) -> list[Any]:
        slots = [(c, k) for c in _containers(frame[3:]) if isinstance(c, dict) for k in c]
        if slots:
            container, key = self.rng.choice(slots)
            container[key] = copy.deepcopy(self.rng.choice(_WRONG_VALUES))
        return frame

    def _unknown_property(self, frame: list[Any]) -> list[Any]:
        objects = [c for c in _containers(frame[3:]) if isinstance(c, dict)]
        if objects:
            self.rng.choice(objects)[self.rng.choice(["unknown", "x", "customData", "$x"])] = _random_json(
                self.rng
            )
        return frame

    def _drop_element(self, frame: list[Any]) -> list[Any]:
        if frame:
            del frame[self.rng.randrange(len(frame))]
        return frame

    def _extra_element(self, frame: list[Any]) -> list[Any]:
        return [*frame, _random_json(self.rng)]

    def _change_action(self, frame: list[Any]) -> list[Any]:
        if len(frame) > 2 and isinstance(frame[2], str):
            action = frame[2]
            frame[2] = self.rng.choice(
                [action.lower(), action.upper(), action + " ", " " + action, self.rng.choice(self.frames)[0]]
            )
        return frame

    def _bad_id(self, frame: list[Any]) -> list[Any]:
        if len(frame) > 1:
            frame[1] = copy.deepcopy(self.rng.choice(_WRONG_IDS))
        return frame

    def _payload_not_object(self, frame: list[Any]) -> list[Any]:
        if len(frame) > 3:
            frame[3] = copy.deepcopy(self.rng.choice([[], "{}", 1, None, True, [{}]]))
        return frame

    def unknown_action(self) -> FuzzInput:
        rng = self.rng
        action = rng.choice(
            [
                "Foo",
                "heartbeat",
                "HEARTBEAT",
                "Heartbeat ",
                " Heartbeat",
                "Heart\u0000beat",
                "../Heartbeat",
                "+/in",
                "#",
                "$SYS/x",
                "Reset",
                "RequestStartTransaction",
                "RemoteStartTransaction",
                "GetVariables",
                "CallResult",
                _random_text(rng, 40) or "x",
            ]
        )
        payload = rng.choice([{}, _random_json(rng), {"type": "Immediate"}])
        if not isinstance(payload, dict):
            payload = {"value": payload}
        return self.text("unknown-action", _dumps([2, self.message_id("a"), action, payload], rng))

    def foreign_id(self) -> FuzzInput:
        """Valid-looking frames that name other stations: nothing may reach those stations' topics."""
        rng = self.rng
        other = rng.choice(self.others)
        mid = self.message_id("o")
        if self.version == "ocpp1.6":
            boot: dict[str, Any] = {
                "chargePointModel": "Fuzz",
                "chargePointVendor": "Acme",
                "chargePointSerialNumber": other,
                "chargeBoxSerialNumber": other,
            }
            authorize: dict[str, Any] = {"idTag": other[:20]}
        else:
            boot = {
                "chargingStation": {"model": "Fuzz", "vendorName": other, "serialNumber": other},
                "reason": "PowerUp",
            }
            authorize = {"idToken": {"idToken": other, "type": "Central"}}
        frames: list[Any] = [
            [2, other, "Heartbeat", {}],
            [2, mid, "BootNotification", boot],
            [2, mid, "DataTransfer", {"vendorId": other, "messageId": other}],
            [2, mid, "Authorize", authorize],
            [2, mid, other, {}],
            [2, mid, "Heartbeat", {"chargePointId": other}],
            [2, f"{other}/out"[-MAX_MESSAGE_ID_LENGTH:], "Heartbeat", {}],
            [2, mid, f"{other}/in", {}],
            [3, other, {"status": "Accepted"}],
            [4, mid, "GenericError", other, {"chargePointId": other}],
        ]
        return self.text("foreign-id", _dumps(rng.choice(frames), rng))

    def valid(self) -> FuzzInput:
        return self.text("valid", _dumps(self.valid_frame(), self.rng))

    def answer(self) -> FuzzInput:
        rng = self.rng
        mid = self.message_id("r")
        frames: list[Any] = [
            [3, mid, {}],
            [3, mid, {"status": "Accepted"}],
            [4, mid, "GenericError", "", {}],
            [4, mid, "NotACode", "x", {"a": 1}],
            [3, mid],
            [4, mid],
            [3, mid, {}, 1],
            [3, "x" * 40, {}],
            [4, 5, "x", "y", {}],
            [3, mid, []],
        ]
        return self.text("answer", json.dumps(rng.choice(frames)))

    def retransmission(self) -> FuzzInput:
        """The same text again: a call already answered is answered again (from the gateway's memory)."""
        earlier = [
            i for i in self.inputs if i.opcode == "text" and i.kind in ("valid", "mutated", "foreign-id")
        ]
        if not earlier:
            return self.valid()
        again = self.rng.choice(earlier)
        return FuzzInput("retransmission", again.data, "text", again.expected)

    # -- the frames the brief singles out: around the size limit, and known trouble makers

    def targeted(self) -> list[FuzzInput]:
        limit = self.max_frame_bytes
        mid = self.message_id("big")
        prefix = f'[2,"{mid}","DataTransfer",{{"vendorId":"v","data":"'
        suffix = '"}]'
        room = limit - len(prefix) - len(suffix)
        inputs = [
            self.text("at-limit", prefix + "x" * room + suffix),  # exactly the limit: allowed
            self.text("under-limit", "x" * (limit - 1)),
            self.text("over-limit", "x" * (limit + 1)),
            self.text("over-limit", prefix + "x" * (room + 1) + suffix),
            # Fewer characters than the limit, more bytes: the limit is in bytes.
            self.text("over-limit-multibyte", "é" * (limit // 2 + 1)),
            self.text("under-limit-multibyte", prefix + "é" * ((room - 1) // 2) + suffix),
            self.binary("binary-over-limit", b"x" * (limit + 1)),
        ]
        # A frame just under the limit whose CallError quotes the offending value.
        if self.version == "ocpp1.6":
            head = f'[2,"{self.message_id("echo")}","BootNotification",{{"chargePointVendor":"v","chargePointModel":"'
        else:
            head = f'[2,"{self.message_id("echo")}","BootNotification",{{"reason":"PowerUp","chargingStation":{{"vendorName":"v","model":"'
        tail = '"}}]' if self.version != "ocpp1.6" else '"}]'
        inputs.append(self.text("echo-at-limit", head + "A" * (limit - len(head) - len(tail)) + tail))
        # Schema-valid id tokens the token store would never accept as a key (a space, empty):
        # unknown tokens, to be answered Invalid like any other.
        if self.version == "ocpp1.6":
            tokens: list[Any] = [{"idTag": "tok 1"}]
        else:
            tokens = [
                {"idToken": {"idToken": "tok 1", "type": "ISO14443"}},
                {"idToken": {"idToken": "", "type": "Central"}},
            ]
        for payload in tokens:
            inputs.append(
                self.text("odd-id-token", json.dumps([2, self.message_id("tok"), "Authorize", payload]))
            )
        if self.version != "ocpp1.6":
            # customData admits anything: schema-valid calls whose meter value (kept whole in the
            # shadow) nests 850 arrays deep: readable by json, deeper than copy.deepcopy can recurse.
            nested = '{"vendorId":"fuzz","nested":' + "[" * 850 + "]" * 850 + "}"
            meter_value = (
                f'{{"timestamp":"{TIMESTAMP}","sampledValue":[{{"value":1}}],"customData":{nested}}}'
            )
            for action, payload in (
                ("MeterValues", f'{{"evseId":1,"meterValue":[{meter_value}]}}'),
                (
                    "TransactionEvent",
                    f'{{"eventType":"Updated","timestamp":"{TIMESTAMP}","triggerReason":"MeterValuePeriodic",'
                    f'"seqNo":1,"transactionInfo":{{"transactionId":"deep-tx"}},"meterValue":[{meter_value}]}}',
                ),
            ):
                deep_id = self.message_id("deep")
                deep = f'[2,"{deep_id}","{action}",{payload}]'
                # The expected id is set here: json in this process may not read 850 levels at any stack depth.
                inputs.append(FuzzInput("deep-custom-data", deep, "text", Expected(reply_id=deep_id)))
            # A number json reads as float('inf'): the payload is valid, the value is not JSON once re-encoded.
            inf_id = self.message_id("inf")
            inputs.append(
                self.text(
                    "overflowing-number",
                    f'[2,"{inf_id}","MeterValues",{{"evseId":1,"meterValue":[{{"timestamp":"{TIMESTAMP}",'
                    '"sampledValue":[{"value":1e400}]}]}]',
                )
            )
        return inputs


CATEGORIES: list[tuple[str, int]] = [
    ("random_text", 8),
    ("random_bytes_as_text", 5),
    ("binary_frame", 3),
    ("invalid_utf8", 4),
    ("wrong_types", 9),
    ("wrong_length", 8),
    ("huge_number", 6),
    ("deep_nesting", 3),
    ("long_string", 3),
    ("mutated", 24),
    ("unknown_action", 6),
    ("foreign_id", 8),
    ("valid", 7),
    ("answer", 4),
    ("retransmission", 3),
]


def generate(
    seed: int,
    connection: int,
    count: int,
    station_id: str,
    version: str,
    others: list[str],
    max_frame_bytes: int,
    with_targeted: bool,
) -> list[FuzzInput]:
    """``count`` inputs for the ``connection``-th connection: the same ones for the same seed.

    Station ids only fill in values (foreign ids); which inputs are drawn depends on the seed alone.
    """
    rng = random.Random(f"{seed}:{connection}:{version}")
    corpus = Corpus(station_id, version, others, max_frame_bytes, rng)
    names = [name for name, _ in CATEGORIES]
    weights = [weight for _, weight in CATEGORIES]
    targeted = corpus.targeted() if with_targeted else []
    slots = sorted(corpus.rng.sample(range(count), len(targeted)))
    pending = dict(zip(slots, targeted, strict=True))
    for index in range(count):
        if index in pending:
            item = pending[index]
        else:
            item = getattr(corpus, corpus.rng.choices(names, weights)[0])()
        corpus.inputs.append(item)
    return corpus.inputs
