"""May this connection act as this station? Asked of the shadow service at the handshake.

The gateway sends what the connection proved (a Basic-auth password, TLS, the
client certificate's CN); the shadow service checks it against the station's
security profile and password hash, which never leave it. Positive answers are
cached briefly per set of credentials.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from enum import Enum

from csms_common import topics
from csms_common.mqtt_message import PublishError
from csms_common.mqtt_rpc import AsyncRequester, RequestTimeout
from csms_common.responses import decode_response


class Registration(Enum):
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    UNAUTHORIZED = "unauthorized"
    """Wrong or missing credentials, or a weaker connection than the station's security profile."""
    UNAVAILABLE = "unavailable"
    """The shadow service or the broker did not answer: say 503, never "not registered"."""
    BUSY = "busy"
    """Not asked: this process already has its bound of registry checks running and queued (503 at once)."""


@dataclass(frozen=True)
class Credentials:
    """What one connection presented at its handshake."""

    password: str | None = None
    tls: bool = False
    certificate_cn: str | None = None

    def cache_key(self, station_id: str) -> tuple[str, str, bool, str]:
        secret = hashlib.sha256(self.password.encode()).hexdigest() if self.password is not None else ""
        return station_id, secret, self.tls, self.certificate_cn or ""


@dataclass(frozen=True)
class RegistrationAnswer:
    registration: Registration
    status: str = "Accepted"
    """The registry's registration status (Accepted, Pending, Rejected) of a registered station."""
    security_profile: int = 0
    """The station's registered security profile (GATEWAY_MIN_SECURITY_PROFILE refuses lower ones)."""


class RegistrationChecker:
    """Asks ``csms/secret/shadow/credentials/authenticate`` and caches positive answers for a few seconds."""

    def __init__(self, requester: AsyncRequester, timeout: float, cache_seconds: float) -> None:
        self._requester = requester
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._cached: dict[tuple[str, str, bool, str], tuple[float, RegistrationAnswer]] = {}

    async def check(self, station_id: str, credentials: Credentials) -> RegistrationAnswer:
        now = time.monotonic()
        key = credentials.cache_key(station_id)
        cached = self._cached.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        body: dict[str, object] = {"chargePointId": station_id, "tls": credentials.tls}
        if credentials.password is not None:
            body["password"] = credentials.password
        if credentials.certificate_cn is not None:
            body["certificateCn"] = credentials.certificate_cn
        try:
            response = await self._requester.request(
                topics.shadow_request(topics.RegistryMethod.AUTHENTICATE), body, self._timeout
            )
            status, answer = decode_response(response)
        except (RequestTimeout, PublishError, ValueError):
            return RegistrationAnswer(Registration.UNAVAILABLE)
        if status == 200:
            profile = answer.get("securityProfile", 0)
            result = RegistrationAnswer(
                Registration.REGISTERED,
                str(answer.get("registrationStatus", "Accepted")),
                profile if isinstance(profile, int) else 0,
            )
            if self._cache_seconds > 0:
                if len(self._cached) > 100_000:
                    self._cached.clear()
                self._cached[key] = (now + self._cache_seconds, result)
            return result
        if status == 404:
            return RegistrationAnswer(Registration.NOT_REGISTERED)
        if status == 401:
            return RegistrationAnswer(Registration.UNAUTHORIZED)
        return RegistrationAnswer(Registration.UNAVAILABLE)

    def forget(self, station_id: str) -> None:
        """Drop cached answers for a station (it was deregistered or its settings changed)."""
        for key in [key for key in self._cached if key[0] == station_id]:
            del self._cached[key]
