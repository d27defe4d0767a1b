"""One webhook's delivery loop: its events in order, each retried until delivered or dead-lettered.

The webhook's cursor lives with the shadow service and moves only after an event's
final outcome is reported, so a notifier killed at any moment resumes with the event
it was delivering: at least once (receivers de-duplicate by event id). A slow or
failing receiver holds back only its own webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from csms_notifier.backoff import retry_delay
from csms_notifier.config import NotifierSettings
from csms_notifier.delivery import Attempt, Deliverer
from csms_notifier.metrics import DEAD_LETTERS
from csms_notifier.shadow_client import ShadowClient, ShadowUnavailable, WebhookGone

logger = logging.getLogger(__name__)

PAGE = 50
T = TypeVar("T")


class WebhookWorker:
    def __init__(
        self,
        webhook_id: str,
        settings: NotifierSettings,
        shadow: ShadowClient,
        deliverer: Deliverer,
        wake: asyncio.Event,
    ) -> None:
        self.webhook_id = webhook_id
        self._settings = settings
        self._shadow = shadow
        self._deliverer = deliverer
        self._wake = wake

    async def run(self) -> None:
        """Until the webhook is deleted (or the task is cancelled at shutdown)."""
        ack: str | None = None
        try:
            while True:
                self._wake.clear()
                page = await self._until_answered(partial(self._shadow.pull, self.webhook_id, ack, PAGE))
                webhook = page["webhook"]
                if page.get("gap"):
                    logger.warning(
                        "events lost to retention before delivery", extra={"webhook": self.webhook_id}
                    )
                for event in page.get("redeliveries") or []:
                    await self._deliver(webhook, event, redelivery=True)
                for event in page.get("events") or []:
                    await self._deliver(webhook, event, redelivery=False)
                ack = page.get("next")
                if not page.get("events") and not page.get("redeliveries"):
                    await self._idle()
        except WebhookGone:
            logger.info("webhook deleted, worker stops", extra={"webhook": self.webhook_id})

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)

    async def _until_answered(self, call: Callable[[], Awaitable[T]]) -> T:
        """Ask the shadow service until it answers (WebhookGone ends the worker)."""
        delay = 0.2
        while True:
            try:
                return await call()
            except ShadowUnavailable as error:
                logger.warning(
                    "shadow service unavailable, retrying",
                    extra={"webhook": self.webhook_id, "error": str(error), "retry_in": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _deliver(self, webhook: dict[str, Any], event: dict[str, Any], *, redelivery: bool) -> None:
        attempt = 0
        while True:
            attempt += 1
            result = await self._deliverer.deliver(webhook, event, attempt)
            last = attempt >= self._settings.max_attempts
            outcome = "delivered" if result.delivered else ("dead" if last else result.outcome)
            entry = _entry(event, attempt, outcome, result, redelivery)
            await self._until_answered(partial(self._shadow.report, self.webhook_id, entry))
            self._log(event, attempt, outcome, result)
            if result.delivered:
                return
            if last:
                DEAD_LETTERS.inc()
                return
            await asyncio.sleep(
                retry_delay(
                    attempt,
                    self._settings.retry_base_seconds,
                    self._settings.retry_max_seconds,
                    jitter=0.1,
                    spread=random.random(),
                )
            )

    def _log(self, event: dict[str, Any], attempt: int, outcome: str, result: Attempt) -> None:
        extra = {
            "webhook": self.webhook_id,
            "event_id": event.get("id"),
            "event_type": event.get("type"),
            "station_id": event.get("chargePointId"),
            "attempt": attempt,
            "outcome": outcome,
            "status": result.status,
            "error": result.error,
            "duration_ms": result.duration_ms,
        }
        if outcome == "dead":
            logger.error("webhook delivery dead-lettered", extra=extra)
        elif outcome == "delivered":
            logger.info("webhook delivered", extra=extra)
        else:
            logger.warning("webhook delivery failed, will retry", extra=extra)


def _entry(
    event: dict[str, Any], attempt: int, outcome: str, result: Attempt, redelivery: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "eventId": event["id"],
        "eventType": event.get("type"),
        "attempt": attempt,
        "outcome": outcome,
        "durationMs": result.duration_ms,
    }
    if outcome == "dead" or not result.delivered:
        entry["failure"] = result.outcome
    if result.status is not None:
        entry["status"] = result.status
    if result.error is not None:
        entry["error"] = result.error
    if redelivery:
        entry["redelivery"] = True
    return entry
