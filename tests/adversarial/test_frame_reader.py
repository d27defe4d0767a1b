"""Odd message ids are answered exactly once, and never abort the connection.

Before, the gateway's own frame reader forwarded such calls and awaited them under their id,
while the handler answered under "-1": the gateway's call timeout then sent a second answer
(and for an id holding a lone surrogate, failed to write it and aborted the connection).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets

from tests.support.adversary import extra_gateway, gateway_url
from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e

CALL_TIMEOUT = 2.0
ODD_FRAMES = [
    '[2,"' + "x" * 37 + '","Heartbeat",{}]',
    '[2,"","Heartbeat",{}]',
    '[2,"nan-1","Heartbeat",{"x":NaN}]',
    '[2,"\\ud800","Heartbeat",{}]',
    '[2,"sur-1","Heartbeat",{"x":"\\udfff"}]',
    '[2,7,"Heartbeat",{}]',
    '[2,null,"Heartbeat",{}]',
    '[2,"short","Heartbeat"]',
    '[2,"ok-1","Heartbeat",{}]',
]


def test_odd_ids_get_exactly_one_answer(system: System, api: Api, station_id: str) -> None:
    api.register(station_id)
    with extra_gateway(system, "gateway-frames", GATEWAY_CALL_TIMEOUT=str(CALL_TIMEOUT)) as gateway:
        url = f"{gateway_url(gateway)}/{station_id}"

        async def scenario() -> list[list[object]]:
            answers: list[list[object]] = []
            async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as ws:
                for frame in ODD_FRAMES:
                    await ws.send(frame)
                deadline = time.monotonic() + CALL_TIMEOUT + 2
                while (remaining := deadline - time.monotonic()) > 0:
                    try:
                        answers.append(json.loads(await asyncio.wait_for(ws.recv(), remaining)))
                    except TimeoutError:
                        break
                # Still open and answering after the call timeout has passed.
                await ws.send('[2,"after","Heartbeat",{}]')
                answers.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
            return answers

        answers = asyncio.run(scenario())
    by_code = [(answer[1], answer[2] if answer[0] == 4 else "result") for answer in answers]
    print(f"\nframe reader: {len(ODD_FRAMES)} odd frames sent, {len(answers) - 1} answers: {by_code[:-1]}")
    assert len(answers) == len(ODD_FRAMES) + 1
    assert [answer[1] for answer in answers].count("-1") == 6
    assert {answer[1] for answer in answers} == {"-1", "sur-1", "short", "ok-1", "after"}
