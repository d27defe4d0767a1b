"""Is this station registered? Asked of the shadow service at the handshake, positive answers cached."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from csms_common import properties, topics
from csms_common.mqtt_message import PublishError
from csms_common.mqtt_rpc import AsyncRequester, RequestTimeout
from csms_common.responses import decode_response


class Registration(Enum):
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    UNAVAILABLE = "unavailable"
    """The shadow service or the broker did not answer: say 503, never "not registered"."""


@dataclass(frozen=True)
class RegistrationAnswer:
    registration: Registration
    status: str = "Accepted"
    """The registry's registration status (Accepted, Pending, Rejected) of a registered station."""


class RegistrationChecker:
    """Asks ``$aws/things/{cp}/shadow/get``: a registered station has a shadow, others none."""

    def __init__(self, requester: AsyncRequester, timeout: float, cache_seconds: float) -> None:
        self._requester = requester
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._cached: dict[str, tuple[float, RegistrationAnswer]] = {}

    async def check(self, station_id: str) -> RegistrationAnswer:
        now = time.monotonic()
        cached = self._cached.get(station_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await self._requester.request(topics.shadow_get(station_id), {}, self._timeout)
            status, _ = decode_response(response)
        except (RequestTimeout, PublishError, ValueError):
            return RegistrationAnswer(Registration.UNAVAILABLE)
        if status == 200:
            answer = RegistrationAnswer(
                Registration.REGISTERED,
                response.user_properties.get(properties.REGISTRATION_STATUS, "Accepted"),
            )
            if self._cache_seconds > 0:
                self._cached[station_id] = (now + self._cache_seconds, answer)
            return answer
        if status == 404:
            return RegistrationAnswer(Registration.NOT_REGISTERED)
        return RegistrationAnswer(Registration.UNAVAILABLE)

    def forget(self, station_id: str) -> None:
        """Drop a cached answer (the station was deregistered)."""
        self._cached.pop(station_id, None)
