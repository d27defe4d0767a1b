"""CPU per round trip of frames through one gateway StationSession, with no network at all.

A scripted socket plays the station and a loopback client plays the broker and the handlers, so
what is measured is the session alone (frame judging, the protocol, the shell): per round, a
station call and its answer, then a CSMS call and the station's answer. It drives only the
public API (``run``, ``deliver``), so the same script measures another checkout's gateway:

    .venv/bin/python -m bench.session_cpu
    PYTHONPATH=/path/to/other/checkout/services/gateway .venv/bin/python -m bench.session_cpu
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, cast

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.versions import OcppVersion
from csms_gateway import session as gateway_session

try:
    from csms_gateway.station_protocol import SessionSettings
except ImportError:  # a checkout from before the protocol was split out of session.py
    SessionSettings = gateway_session.SessionSettings  # type: ignore[attr-defined,misc,unused-ignore]


class Loopback:
    """The station (recv/send) and the broker with instant handlers (publish), in one object."""

    remote_address = ("127.0.0.1", 40000)

    def __init__(self, rounds: int) -> None:
        self.session: gateway_session.StationSession | None = None
        self._script = self._frames(rounds)

    def _frames(self, rounds: int) -> Any:
        for number in range(rounds):
            yield f'[2,"m{number}","Heartbeat",{{}}]'
            yield f'[3,"c{number}",{{"status":"Accepted"}}]'

    async def recv(self) -> str:
        assert self.session is not None
        frame: str | None = next(self._script, None)
        if frame is None:
            raise ConnectionClosed(None, None)
        if frame.startswith("[3"):
            # The CSMS's call is written before the station answers it.
            message_id = frame.split('"')[1]
            await self.session.deliver(f'[2,"{message_id}","Reset",{{"type":"Soft"}}]', None, calls=True)
        return frame

    async def send(self, text: str) -> None:
        pass

    async def publish(self, topic: str, payload: str, **_: Any) -> None:
        assert self.session is not None
        if payload.startswith("[2"):
            message_id = payload.split('"')[1]
            answer = f'[3,"{message_id}",{{"currentTime":"2026-01-01T00:00:00Z"}}]'
            await self.session.deliver(answer, None, calls=False)


async def one_run(rounds: int) -> float:
    loopback = Loopback(rounds)
    settings = SessionSettings(
        gateway_instance="bench",
        call_timeout=30,
        max_queued_calls=16,
        station_rate=1e9,
        station_burst=10**9,
    )
    session = gateway_session.StationSession(
        "CP-BENCH",
        OcppVersion.V201,
        cast(ServerConnection, loopback),
        cast(AsyncMqttClient, loopback),
        settings,
    )
    loopback.session = session
    began = time.process_time()
    await session.run()
    return (time.process_time() - began) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    best = min(asyncio.run(one_run(arguments.rounds)) for _ in range(arguments.repeat))
    print(
        f"{gateway_session.__file__}: {best:.1f} us CPU per round (station call + answer, "
        f"CSMS call + answer), best of {arguments.repeat} x {arguments.rounds:,}"
    )


if __name__ == "__main__":
    main()
