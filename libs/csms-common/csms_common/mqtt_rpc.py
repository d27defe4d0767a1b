"""MQTT 5 request/response for asyncio services: response topic plus correlation data."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from csms_common import topics
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage
from csms_common.responses import STATUS_PROPERTY


class RequestTimeout(TimeoutError):
    """No response arrived in time: the responding service is down or overloaded."""


class AsyncRequester:
    """Sends requests from one client and matches responses by correlation data."""

    def __init__(self, client: AsyncMqttClient) -> None:
        self._client = client
        self._inbox = topics.reply_inbox(client.client_id)
        self._waiting: dict[bytes, asyncio.Future[InboundMessage]] = {}

    async def start(self) -> None:
        await self._client.subscribe(self._inbox, self._on_response, qos=1)

    async def _on_response(self, message: InboundMessage) -> None:
        if message.correlation_data is None:
            return
        future = self._waiting.get(message.correlation_data)
        if future is not None and not future.done():
            future.set_result(message)

    async def request(self, topic: str, body: dict[str, Any] | None, timeout: float) -> InboundMessage:
        """Publish ``body`` as JSON on ``topic`` and return the first response, or raise."""
        correlation = uuid.uuid4().bytes
        future: asyncio.Future[InboundMessage] = asyncio.get_running_loop().create_future()
        self._waiting[correlation] = future
        try:
            await self._client.publish(
                topic,
                json.dumps(body or {}),
                qos=1,
                response_topic=self._inbox,
                correlation_data=correlation,
            )
            return await asyncio.wait_for(future, timeout)
        except TimeoutError as error:
            raise RequestTimeout(f"no response on {topic} within {timeout}s") from error
        finally:
            self._waiting.pop(correlation, None)


async def respond(
    client: AsyncMqttClient,
    request: InboundMessage,
    status: int,
    body: dict[str, Any],
    properties: dict[str, str] | None = None,
) -> bool:
    """Answer ``request`` on its MQTT 5 response topic; False if it named none."""
    if request.response_topic is None:
        return False
    await client.publish(
        request.response_topic,
        json.dumps(body),
        qos=1,
        properties={STATUS_PROPERTY: str(status), **(properties or {})},
        correlation_data=request.correlation_data,
    )
    return True
