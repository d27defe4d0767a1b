"""The gateway writes only Calls from ``{cp}/call`` and only replies from ``{cp}/out`` (docs/broker-trust.md)."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from prometheus_client import REGISTRY
from websockets.asyncio.server import ServerConnection

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.versions import OcppVersion
from csms_gateway.metrics import MISROUTED_FRAMES
from csms_gateway.session import StationSession
from csms_gateway.station_protocol import SessionSettings

REPLY = '[3,"m-1",{"currentTime":"2026-12-03T10:00:00Z"}]'
ERROR = '[4,"m-2","InternalError","",{}]'
CALL = '[2,"evil-1","Reset",{"type":"Immediate"}]'


class RecordingSocket:
    """What the station would receive."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)


def deliver(text: str, *, calls: bool) -> list[str]:
    socket = RecordingSocket()
    session = StationSession(
        "CP-1",
        OcppVersion.V201,
        cast(ServerConnection, socket),
        cast(AsyncMqttClient, object()),  # refused frames never reach the broker client
        SessionSettings(gateway_instance="g", call_timeout=30, max_queued_calls=4),
    )
    asyncio.run(session.deliver(text, None, calls=calls))
    return socket.sent


def refused(topic: str) -> float:
    MISROUTED_FRAMES.labels(topic)  # the sample exists from the first read on
    value = REGISTRY.get_sample_value("csms_gateway_misrouted_frames_total", {"topic": topic})
    assert value is not None
    return value


@pytest.mark.parametrize("reply", [REPLY, ERROR])
def test_a_reply_from_the_call_topic_is_refused(reply: str) -> None:
    before = refused("call")
    assert deliver(reply, calls=True) == []
    assert refused("call") == before + 1


def test_a_call_from_the_reply_topic_is_refused() -> None:
    before = refused("out")
    assert deliver(CALL, calls=False) == []
    assert refused("out") == before + 1


@pytest.mark.parametrize("reply", [REPLY, ERROR])
def test_a_reply_from_the_reply_topic_is_written(reply: str) -> None:
    assert deliver(reply, calls=False) == [reply]
