"""The notifier's supervisor: one worker per webhook, woken when events are appended."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from csms_common import topics
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage
from csms_notifier.config import NotifierSettings
from csms_notifier.delivery import Deliverer
from csms_notifier.metrics import WEBHOOKS_ACTIVE
from csms_notifier.shadow_client import ShadowClient, ShadowUnavailable
from csms_notifier.worker import WebhookWorker

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(
        self,
        settings: NotifierSettings,
        client: AsyncMqttClient,
        shadow: ShadowClient,
        deliverer: Deliverer,
    ) -> None:
        self._settings = settings
        self._client = client
        self._shadow = shadow
        self._deliverer = deliverer
        self._workers: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}

    async def start(self) -> None:
        await self._client.subscribe(topics.EVENTS_APPENDED, self.on_appended, qos=0)

    async def on_appended(self, message: InboundMessage) -> None:
        for _, wake in self._workers.values():
            wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Keep one worker per webhook until ``stop``; then cancel them (cursors are already stored)."""
        try:
            while not stop.is_set():
                await self._refresh()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._settings.poll_seconds)
        finally:
            for task, _ in self._workers.values():
                task.cancel()
            await asyncio.gather(*(task for task, _ in self._workers.values()), return_exceptions=True)

    async def _refresh(self) -> None:
        try:
            webhooks = await self._shadow.webhooks()
        except ShadowUnavailable as error:
            logger.warning("cannot list webhooks", extra={"error": str(error)})
            return
        current = {str(webhook["id"]) for webhook in webhooks}
        for webhook_id, (task, _) in list(self._workers.items()):
            if webhook_id not in current or task.done():
                task.cancel()
                del self._workers[webhook_id]
        for webhook_id in current - self._workers.keys():
            wake = asyncio.Event()
            worker = WebhookWorker(webhook_id, self._settings, self._shadow, self._deliverer, wake)
            self._workers[webhook_id] = (
                asyncio.create_task(worker.run(), name=f"webhook-{webhook_id}"),
                wake,
            )
            logger.info("webhook worker started", extra={"webhook": webhook_id})
        WEBHOOKS_ACTIVE.set(len(self._workers))
