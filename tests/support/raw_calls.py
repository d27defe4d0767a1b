"""A raw WebSocket station's calls: send a frame, wait for the answer that carries its id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection


async def call(ws: ClientConnection, frame: list[Any], timeout: float = 10) -> list[Any]:
    """Send ``frame`` and return the CallResult or CallError with its message id (others are skipped)."""
    await ws.send(json.dumps(frame))
    while True:
        reply = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if reply[0] in (3, 4) and reply[1] == frame[1]:
            return list(reply)


def heartbeat(message_id: str) -> list[Any]:
    return [2, message_id, "Heartbeat", {}]
