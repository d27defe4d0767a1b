"""Is this station registered? Asked of the shadow service at the handshake, positive answers cached."""

from __future__ import annotations

import time
from enum import Enum

from csms_common import topics
from csms_common.mqtt_message import PublishError
from csms_common.mqtt_rpc import AsyncRequester, RequestTimeout
from csms_common.responses import decode_response


class Registration(Enum):
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    UNAVAILABLE = "unavailable"
    """The shadow service or the broker did not answer: say 503, never "not registered"."""


class RegistrationChecker:
    """Asks ``$aws/things/{cp}/shadow/get``: a registered station has a shadow, others none."""

    def __init__(self, requester: AsyncRequester, timeout: float, cache_seconds: float) -> None:
        self._requester = requester
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._registered_until: dict[str, float] = {}

    async def check(self, station_id: str) -> Registration:
        now = time.monotonic()
        if self._registered_until.get(station_id, 0.0) > now:
            return Registration.REGISTERED
        try:
            response = await self._requester.request(topics.shadow_get(station_id), {}, self._timeout)
            status, _ = decode_response(response)
        except (RequestTimeout, PublishError, ValueError):
            return Registration.UNAVAILABLE
        if status == 200:
            if self._cache_seconds > 0:
                self._registered_until[station_id] = now + self._cache_seconds
            return Registration.REGISTERED
        if status == 404:
            return Registration.NOT_REGISTERED
        return Registration.UNAVAILABLE

    def forget(self, station_id: str) -> None:
        """Drop a cached answer (the station was deregistered)."""
        self._registered_until.pop(station_id, None)
