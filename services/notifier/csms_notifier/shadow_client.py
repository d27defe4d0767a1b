"""The notifier's requests to the shadow service (``csms/notifier/{method}``): webhooks, pulls, reports."""

from __future__ import annotations

from typing import Any

from csms_common.mqtt_message import PublishError
from csms_common.mqtt_rpc import AsyncRequester, RequestTimeout
from csms_common.responses import decode_response
from csms_common.topics import NotifierMethod, notifier_request
from csms_notifier.metrics import SHADOW_REQUEST_FAILURES


class ShadowUnavailable(RuntimeError):
    """No answer, or 503: try again later."""


class WebhookGone(LookupError):
    """The webhook was deleted."""


class ShadowClient:
    def __init__(self, requester: AsyncRequester, timeout: float) -> None:
        self._requester = requester
        self._timeout = timeout

    async def _call(self, method: NotifierMethod, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._requester.request(notifier_request(method), body, self._timeout)
            status, answer = decode_response(response)
        except (RequestTimeout, PublishError, ValueError) as error:
            SHADOW_REQUEST_FAILURES.inc()
            raise ShadowUnavailable(str(error)) from error
        if status == 404:
            raise WebhookGone(str(answer.get("error")))
        if status != 200:
            SHADOW_REQUEST_FAILURES.inc()
            raise ShadowUnavailable(f"{status}: {answer.get('error')}")
        return answer

    async def webhooks(self) -> list[dict[str, Any]]:
        answer = await self._call(NotifierMethod.WEBHOOKS, {})
        return list(answer.get("webhooks") or [])

    async def pull(self, webhook_id: str, ack: str | None, limit: int) -> dict[str, Any]:
        body: dict[str, Any] = {"webhookId": webhook_id, "limit": limit}
        if ack is not None:
            body["ack"] = ack
        return await self._call(NotifierMethod.PULL, body)

    async def report(self, webhook_id: str, entry: dict[str, Any]) -> None:
        await self._call(NotifierMethod.ATTEMPT, {"webhookId": webhook_id, **entry})
