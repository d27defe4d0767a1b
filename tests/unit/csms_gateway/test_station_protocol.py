"""The gateway's per-connection promises, table-driven: each row an event sequence, each event the
exact actions the sans-I/O StationProtocol must return and whether the connection is then idle."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from csms_common import properties
from csms_common.commands import CommandState
from csms_common.mqtt_message import InboundMessage
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.outstanding import PendingCall
from csms_gateway.station_actions import (
    Action,
    Awaiting,
    CancelDeadline,
    Deadline,
    Publish,
    Report,
    SetDeadline,
    Write,
)
from csms_gateway.station_protocol import SessionSettings, StationProtocol

STATION = "CP-1"
SESSION = "s1"
START = 1000.0
TIMEOUT = 30.0
NOW_ISO = "2026-01-01T00:00:00.000Z"
IN_TOPIC = "CP-1/in"


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def monotonic(self) -> float:
        return self.now

    def now_iso(self) -> str:
        return NOW_ISO


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class FromStation:
    text: str


@dataclass(frozen=True)
class FromMqtt:
    text: str
    calls: bool
    message: InboundMessage | None = None


@dataclass(frozen=True)
class Reached:
    deadline: Deadline


@dataclass(frozen=True)
class ForwardFailed:
    message_id: str


@dataclass(frozen=True)
class Closed:
    pass


@dataclass(frozen=True)
class Elapse:
    seconds: float


Event = FromStation | FromMqtt | Reached | ForwardFailed | Closed | Elapse


@dataclass(frozen=True)
class Step:
    event: Event
    actions: list[Action] = field(default_factory=list)
    idle: bool = True


def apply(protocol: StationProtocol, clock: FakeClock, event: Event) -> list[Action]:
    match event:
        case FromStation(text):
            return protocol.receive_station_frame(text)
        case FromMqtt(text, calls, message):
            return protocol.receive_mqtt_frame(text, message, calls=calls)
        case Reached(deadline):
            return protocol.deadline_reached(deadline)
        case ForwardFailed(message_id):
            return protocol.forward_failed(message_id)
        case Closed():
            return protocol.connection_closed()
        case Elapse(seconds):
            clock.now += seconds
            return []
    raise AssertionError(event)


# ------------------------------------------------------------------ frames and expected actions

HEARTBEAT = '[2,"m1","Heartbeat",{}]'
HEARTBEAT_OTHER_TEXT = '[2,"m1","Heartbeat",{ }]'
HEARTBEAT_RESULT = '[3,"m1",{"currentTime":"2026-01-01T00:00:00Z"}]'
HEARTBEAT_ERROR = '[4,"m1","InternalError","handler failed",{}]'
BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
BOOT_RESULT = '[3,"b1",{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}]'
NO_ANSWER_ERROR = '[4,"m1","InternalError","no answer from the CSMS in time, retry later",{}]'
UNAVAILABLE_ERROR = '[4,"m1","InternalError","CSMS temporarily unavailable, retry later",{}]'

RESET_1 = '[2,"c1","Reset",{"type":"Soft"}]'
RESET_2 = '[2,"c2","Reset",{"type":"Hard"}]'
RESET_3 = '[2,"c3","Reset",{"type":"Soft"}]'
RESET_4 = '[2,"c4","Reset",{"type":"Hard"}]'
RESET_1_RESULT = '[3,"c1",{"status":"Accepted"}]'
RESET_2_RESULT = '[3,"c2",{"status":"Accepted"}]'

S_M1 = Deadline(Awaiting.STATION_CALL, "m1")
S_B1 = Deadline(Awaiting.STATION_CALL, "b1")
C_C1 = Deadline(Awaiting.CSMS_CALL, "c1")
C_C2 = Deadline(Awaiting.CSMS_CALL, "c2")

CALLER = InboundMessage("CP-1/call", b"", 1, {}, "api/replies/7", b"corr-7")


def metadata(status: str = "Accepted", action: str | None = None) -> dict[str, str]:
    fields = {
        properties.PROTOCOL: "ocpp1.6",
        properties.GATEWAY: "gw-1",
        properties.SESSION: SESSION,
        properties.RECEIVED_AT: NOW_ISO,
        properties.REGISTRATION_STATUS: status,
    }
    if action is not None:
        fields[properties.ACTION] = action
    return fields


def forward_call(text: str, message_id: str, status: str = "Accepted") -> Publish:
    return Publish(IN_TOPIC, text, metadata(status), station_call=message_id)


def forward_answer(text: str, action: str, caller: InboundMessage | None = None) -> Publish:
    return Publish(
        IN_TOPIC,
        text,
        metadata(action=action),
        caller.response_topic if caller else None,
        caller.correlation_data if caller else None,
    )


def pending(text: str, message_id: str, caller: InboundMessage | None = None) -> PendingCall:
    return PendingCall(
        message_id,
        "Reset",
        text,
        caller.response_topic if caller else None,
        caller.correlation_data if caller else None,
    )


def at(seconds: float) -> float:
    return START + seconds


# ------------------------------------------------------------------ the table

STATION_CALLS = [
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
        ],
        id="a station call is forwarded and its answer written",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
            Step(FromMqtt(HEARTBEAT_RESULT, False), []),
            Step(FromMqtt(HEARTBEAT_ERROR, False), []),
        ],
        id="a second answer (redelivery) is not written",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(Elapse(TIMEOUT), [], False),
            Step(Reached(S_M1), [Write(NO_ANSWER_ERROR)]),
            Step(FromMqtt(HEARTBEAT_RESULT, False), []),
        ],
        id="no answer in time: InternalError, and the late answer is dropped",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
            Step(Reached(S_M1), []),
        ],
        id="a deadline that fires after the answer does nothing",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(ForwardFailed("m1"), [CancelDeadline(S_M1), Write(UNAVAILABLE_ERROR)]),
            Step(FromMqtt(HEARTBEAT_RESULT, False), []),
            Step(Reached(S_M1), []),
        ],
        id="a call that could not be published gets InternalError, once",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_ERROR, False), [CancelDeadline(S_M1), Write(HEARTBEAT_ERROR)]),
            # A CallError is not remembered as the answer: the station's retry is processed again.
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
        ],
        id="the retry of a call answered with an error is processed again",
    ),
    pytest.param(
        [
            Step(
                FromStation('[2,"","Heartbeat",{}]'),
                [
                    Write(
                        '[4,"-1","FormationViolation","message id must be a string of 1 to 36 characters",{}]'
                    )
                ],
            ),
        ],
        id="a refused call is answered by the gateway and never forwarded",
    ),
    pytest.param(
        [
            Step(
                FromMqtt('[4,"-1","FormationViolation","unreadable",{}]', False),
                [Write('[4,"-1","FormationViolation","unreadable",{}]')],
            ),
        ],
        id="the handler's answer to an unreadable call is written",
    ),
]

AWAITED_CAP = 32


def heartbeat(number: int) -> str:
    return f'[2,"h{number}","Heartbeat",{{}}]'


def awaiting_cap() -> list[Step]:
    """The station sends AWAITED_CAP calls without waiting for their answers."""
    return [
        Step(
            FromStation(heartbeat(number)),
            [
                SetDeadline(Deadline(Awaiting.STATION_CALL, f"h{number}"), at(TIMEOUT)),
                forward_call(heartbeat(number), f"h{number}"),
            ],
            False,
        )
        for number in range(AWAITED_CAP)
    ]


AWAITED_CALLS = [
    pytest.param(
        [
            *awaiting_cap(),
            Step(
                FromStation(heartbeat(AWAITED_CAP)),
                [
                    Write(
                        f'[4,"h{AWAITED_CAP}","InternalError","too many calls awaiting an answer, retry later",{{}}]'
                    )
                ],
                False,
            ),
            Step(
                FromMqtt('[3,"h0",{"currentTime":"2026-01-01T00:00:00Z"}]', False),
                [
                    CancelDeadline(Deadline(Awaiting.STATION_CALL, "h0")),
                    Write('[3,"h0",{"currentTime":"2026-01-01T00:00:00Z"}]'),
                ],
                False,
            ),
            # One answered, one more may wait: the refused call, sent again, is forwarded now.
            Step(
                FromStation(heartbeat(AWAITED_CAP)),
                [
                    SetDeadline(Deadline(Awaiting.STATION_CALL, f"h{AWAITED_CAP}"), at(TIMEOUT)),
                    forward_call(heartbeat(AWAITED_CAP), f"h{AWAITED_CAP}"),
                ],
                False,
            ),
        ],
        id="beyond 32 station calls awaiting an answer, the next is refused with InternalError",
    ),
    pytest.param(
        [
            *awaiting_cap(),
            Step(
                FromStation(heartbeat(AWAITED_CAP)),
                [
                    Write(
                        f'[4,"h{AWAITED_CAP}","InternalError","too many calls awaiting an answer, retry later",{{}}]'
                    )
                ],
                False,
            ),
            Step(Elapse(TIMEOUT), [], False),
            # The refused call pushed none out of memory: every awaited one: each gets its InternalError at its deadline.
            *[
                Step(
                    Reached(Deadline(Awaiting.STATION_CALL, f"h{number}")),
                    [
                        Write(
                            f'[4,"h{number}","InternalError","no answer from the CSMS in time, retry later",{{}}]'
                        )
                    ],
                    number == AWAITED_CAP - 1,
                )
                for number in range(AWAITED_CAP)
            ],
        ],
        id="a refused call forgets no awaited one: each gets its answer at its deadline",
    ),
    pytest.param(
        [
            *awaiting_cap(),
            Step(
                FromStation(heartbeat(0)),
                [
                    SetDeadline(Deadline(Awaiting.STATION_CALL, "h0"), at(TIMEOUT)),
                    forward_call(heartbeat(0), "h0"),
                ],
                False,
            ),
        ],
        id="at the cap, a retransmission of an awaited call is not refused",
    ),
]

RETRANSMISSIONS = [
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
            Step(FromStation(HEARTBEAT), [Write(HEARTBEAT_RESULT)]),
        ],
        id="an answered call sent again gets the same answer from memory",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
            Step(
                FromStation(HEARTBEAT_OTHER_TEXT),
                [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT_OTHER_TEXT, "m1")],
                False,
            ),
        ],
        id="a reused id with another text is a new call",
    ),
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(Elapse(10), [], False),
            Step(
                FromStation(HEARTBEAT),
                [SetDeadline(S_M1, at(10 + TIMEOUT)), forward_call(HEARTBEAT, "m1")],
                False,
            ),
            Step(FromMqtt(HEARTBEAT_RESULT, False), [CancelDeadline(S_M1), Write(HEARTBEAT_RESULT)]),
            Step(FromMqtt(HEARTBEAT_RESULT, False), []),
        ],
        id="a retransmission of an awaited call restarts its deadline, and gets one answer",
    ),
]

CSMS_CALLS = [
    pytest.param(
        [
            Step(FromMqtt(RESET_1, True), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(FromMqtt(RESET_2, True), [], False),
            Step(Elapse(5), [], False),
            Step(
                FromStation(RESET_1_RESULT),
                [
                    CancelDeadline(C_C1),
                    SetDeadline(C_C2, at(5 + TIMEOUT)),
                    Write(RESET_2),
                    forward_answer(RESET_1_RESULT, "Reset"),
                ],
                False,
            ),
            Step(
                FromStation(RESET_2_RESULT), [CancelDeadline(C_C2), forward_answer(RESET_2_RESULT, "Reset")]
            ),
        ],
        id="one outstanding CSMS call: the next is written when the first is answered",
    ),
    pytest.param(
        [
            Step(FromMqtt(RESET_1, True, CALLER), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(
                FromStation(RESET_1_RESULT),
                [CancelDeadline(C_C1), forward_answer(RESET_1_RESULT, "Reset", CALLER)],
            ),
        ],
        id="the station's answer goes to the call's waiting caller",
    ),
    pytest.param(
        [
            Step(FromMqtt(RESET_1, True), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(FromMqtt(RESET_2, True), [], False),
            Step(FromMqtt(RESET_3, True), [], False),
            Step(
                FromMqtt(RESET_4, True, CALLER),
                [
                    Report(
                        pending(RESET_4, "c4", CALLER),
                        CommandState.REJECTED,
                        "too many calls queued for this station",
                    )
                ],
                False,
            ),
        ],
        id="a call beyond the queue is reported rejected",
    ),
    pytest.param(
        [
            Step(FromMqtt(RESET_1, True), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(FromMqtt(RESET_2, True), [], False),
            Step(Elapse(TIMEOUT), [], False),
            Step(
                Reached(C_C1),
                [
                    SetDeadline(C_C2, at(2 * TIMEOUT)),
                    Write(RESET_2),
                    Report(
                        pending(RESET_1, "c1"), CommandState.TIMEOUT, "no answer from the station in time"
                    ),
                ],
                False,
            ),
            # The station's late answer to the expired call answers nothing: not forwarded.
            Step(FromStation(RESET_1_RESULT), [], False),
            Step(Reached(C_C1), [], False),
            Step(
                FromStation(RESET_2_RESULT), [CancelDeadline(C_C2), forward_answer(RESET_2_RESULT, "Reset")]
            ),
        ],
        id="a CSMS call unanswered in time is reported and the next one written",
    ),
    pytest.param(
        [
            Step(FromMqtt(RESET_1, True, CALLER), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(
                FromStation('[3,"c1"]'),
                [
                    CancelDeadline(C_C1),
                    Report(
                        pending(RESET_1, "c1", CALLER),
                        CommandState.ERROR,
                        "malformed answer: a CallResult has 3 elements, the last an object",
                    ),
                ],
            ),
        ],
        id="a malformed answer ends the call as an error",
    ),
    pytest.param(
        [Step(FromStation(RESET_1_RESULT), []), Step(FromStation('[3,"c9"]'), [])],
        id="an answer to no outstanding call is not forwarded",
    ),
    pytest.param(
        [
            Step(FromMqtt(RESET_1, False), []),
            Step(FromMqtt(HEARTBEAT_RESULT, True), []),
            Step(FromMqtt("not a frame", True), []),
        ],
        id="frames on the wrong topic or unreadable are refused",
    ),
]

REGISTRATION = [
    pytest.param(
        [
            Step(FromStation(BOOT), [SetDeadline(S_B1, at(TIMEOUT)), forward_call(BOOT, "b1")], False),
            Step(
                FromMqtt(
                    BOOT_RESULT,
                    False,
                    InboundMessage("CP-1/out", b"", 1, {properties.REGISTRATION_STATUS: "Pending"}),
                ),
                [CancelDeadline(S_B1), Write(BOOT_RESULT)],
            ),
            Step(
                FromStation(HEARTBEAT),
                [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1", "Pending")],
                False,
            ),
        ],
        id="the registration status follows the BootNotification reply",
    ),
    pytest.param(
        [
            Step(FromStation(BOOT), [SetDeadline(S_B1, at(TIMEOUT)), forward_call(BOOT, "b1")], False),
            Step(Reached(S_B1), [Write(NO_ANSWER_ERROR.replace('"m1"', '"b1"'))]),
            Step(
                FromMqtt(
                    BOOT_RESULT,
                    False,
                    InboundMessage("CP-1/out", b"", 1, {properties.REGISTRATION_STATUS: "Pending"}),
                ),
                [],
            ),
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
        ],
        id="a reply the station never got does not change the registration status",
    ),
]

CLOSING = [
    pytest.param(
        [
            Step(
                FromStation(HEARTBEAT), [SetDeadline(S_M1, at(TIMEOUT)), forward_call(HEARTBEAT, "m1")], False
            ),
            Step(FromMqtt(RESET_1, True, CALLER), [SetDeadline(C_C1, at(TIMEOUT)), Write(RESET_1)], False),
            Step(FromMqtt(RESET_2, True), [], False),
            Step(
                Closed(),
                [
                    CancelDeadline(S_M1),
                    CancelDeadline(C_C1),
                    Report(
                        pending(RESET_1, "c1", CALLER),
                        CommandState.CLOSED,
                        "the connection ended before an answer",
                    ),
                    Report(
                        pending(RESET_2, "c2"), CommandState.CLOSED, "the connection ended before an answer"
                    ),
                ],
            ),
            Step(Reached(C_C1), []),
            Step(Reached(S_M1), []),
        ],
        id="closing cancels every deadline and reports every unanswered CSMS call",
    ),
    pytest.param(
        [
            Step(Closed(), []),
            # Routed to this connection while it was ending: reported at once, never written, no deadline.
            Step(
                FromMqtt(RESET_1, True, CALLER),
                [
                    Report(
                        pending(RESET_1, "c1", CALLER),
                        CommandState.CLOSED,
                        "the connection ended before an answer",
                    )
                ],
            ),
        ],
        id="a CSMS call arriving after the close is reported closed at once",
    ),
]


@pytest.mark.parametrize(
    "steps", STATION_CALLS + AWAITED_CALLS + RETRANSMISSIONS + CSMS_CALLS + REGISTRATION + CLOSING
)
def test_station_protocol(steps: list[Step]) -> None:
    clock = FakeClock()
    protocol = StationProtocol(
        STATION,
        OcppVersion.V16,
        SESSION,
        SessionSettings(gateway_instance="gw-1", call_timeout=TIMEOUT, max_queued_calls=2),
        clock,
    )
    assert protocol.is_idle
    for number, step in enumerate(steps):
        actions = apply(protocol, clock, step.event)
        assert actions == step.actions, f"step {number}: {step.event}"
        assert protocol.is_idle is step.idle, f"step {number}: {step.event}"
