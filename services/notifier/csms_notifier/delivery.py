"""One delivery attempt: the SSRF check on the addresses resolved now, a signed POST, its outcome."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx

from csms_common import fast_json
from csms_common.webhooks import signature
from csms_common.webhooks.ssrf import IpNetwork, RefusedUrl, address_refusal, parse_target
from csms_notifier.metrics import DELIVERIES, DELIVERY_SECONDS

USER_AGENT = "csms-notifier/1"


@dataclass(frozen=True)
class Attempt:
    outcome: str
    """delivered (2xx), failed (another status or no connection), timeout, refused (SSRF guard)."""
    status: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


def delivery_headers(
    webhook_id: str, secret: str, event: dict[str, Any], body: bytes, attempt: int, now: int
) -> dict[str, str]:
    """The headers of one delivery (pure): ids, attempt number and the signature."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signature.EVENT_ID_HEADER: str(event["id"]),
        signature.EVENT_TYPE_HEADER: str(event["type"]),
        signature.WEBHOOK_ID_HEADER: webhook_id,
        signature.ATTEMPT_HEADER: str(attempt),
        signature.TIMESTAMP_HEADER: str(now),
        signature.SIGNATURE_HEADER: signature.sign(secret, now, body),
    }


async def resolve_checked(url: str, allowed: tuple[IpNetwork, ...]) -> None:
    """Raise RefusedUrl unless every address the URL's host resolves to now may be called."""
    target = parse_target(url)
    try:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise RefusedUrl(f"host {target.host!r} does not resolve: {error}") from error
    for info in infos:
        reason = address_refusal(str(info[4][0]), allowed)
        if reason is not None:
            raise RefusedUrl(f"url points at {reason}")


class Deliverer:
    """Posts events; at most ``concurrency`` attempts in flight across every webhook."""

    def __init__(
        self, client: httpx.AsyncClient, concurrency: int, timeout: float, allowed: tuple[IpNetwork, ...]
    ) -> None:
        self._client = client
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = timeout
        self._allowed = allowed

    async def deliver(self, webhook: dict[str, Any], event: dict[str, Any], attempt: int) -> Attempt:
        body = fast_json.dumps(event)
        async with self._slots:
            started = time.perf_counter()
            result = await self._post(webhook, event, body, attempt)
            elapsed = time.perf_counter() - started
        DELIVERIES.labels(result[0]).inc()
        DELIVERY_SECONDS.observe(elapsed)
        return Attempt(result[0], result[1], result[2], round(elapsed * 1000, 1))

    async def _post(
        self, webhook: dict[str, Any], event: dict[str, Any], body: bytes, attempt: int
    ) -> tuple[str, int | None, str | None]:
        url = str(webhook["url"])
        try:
            await resolve_checked(url, self._allowed)
        except RefusedUrl as error:
            return "refused", None, str(error)
        headers = delivery_headers(
            str(webhook["id"]), str(webhook["secret"]), event, body, attempt, int(time.time())
        )
        try:
            async with asyncio.timeout(self._timeout):
                # Streamed and never read: a receiver's answer body cannot make us hold memory.
                async with self._client.stream("POST", url, content=body, headers=headers) as response:
                    status = response.status_code
        except TimeoutError:
            return "timeout", None, f"no answer within {self._timeout}s"
        except httpx.TimeoutException:
            return "timeout", None, f"no answer within {self._timeout}s"
        except httpx.HTTPError as error:
            return "failed", None, f"{type(error).__name__}: {error}"[:300]
        if 200 <= status < 300:
            return "delivered", status, None
        return "failed", status, f"HTTP {status}"
