"""The handshake's budgets: attempts per station id and per address, failed logins, registry checks in flight.

Everything here is decided before the shadow service is asked anything, so an
attacker's handshakes cost a dictionary lookup, not a registry round trip or a hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from csms_gateway.auth_guard import AuthGuard, AuthVerdict
from csms_gateway.budgets import AttemptThrottle, Rate
from csms_gateway.config import GatewaySettings
from csms_gateway.metrics import BUDGET_ENTRIES, BUDGET_EXCEEDED, REGISTRY_CHECKS
from csms_gateway.registration import Credentials, Registration, RegistrationAnswer, RegistrationChecker
from csms_gateway.registry_admission import Admission, RegistryAdmission

logger = logging.getLogger(__name__)

MALFORMED_SECRET = "malformed"
"""Stands in for the password hash of a malformed Authorization header in the failure memory."""


class Gatekeeper:
    """Per-process handshake budgets around :class:`RegistrationChecker`."""

    def __init__(self, settings: GatewaySettings, registrations: RegistrationChecker, capacity: int) -> None:
        self._registrations = registrations
        self._min_profile = settings.min_security_profile
        self._wait_for_slot = settings.registration_timeout
        self._station_attempts = AttemptThrottle(
            Rate(settings.handshake_station_rate, settings.handshake_station_burst), capacity
        )
        self._address_attempts = AttemptThrottle(
            Rate(settings.handshake_address_rate, settings.handshake_address_burst), capacity
        )
        self._guard = AuthGuard(
            negative_seconds=settings.auth_negative_seconds,
            station_failures=Rate(settings.auth_station_failure_rate, settings.auth_station_failure_burst),
            address_failures=Rate(settings.auth_address_failure_rate, settings.auth_address_failure_burst),
            capacity=capacity,
        )
        self._admission = RegistryAdmission(settings.max_auth_in_flight, settings.max_auth_waiting)
        self._waiters: deque[asyncio.Future[None]] = deque()
        REGISTRY_CHECKS.labels("in_flight").set_function(lambda: self._admission.in_flight)
        REGISTRY_CHECKS.labels("waiting").set_function(lambda: self._admission.waiting)

    def attempt(self, station_id: str, address: str, credentials: Credentials | None) -> float:
        """Count a handshake attempt: 0.0 if allowed, else the seconds to tell the client to wait.

        The address is charged first: an address over its budget cannot drain a station's. The
        credentials that last succeeded for the station skip the station's budget, so others
        hammering its id cannot keep it out."""
        now = time.monotonic()
        wait = self._address_attempts.attempt(address, now)
        if wait > 0:
            BUDGET_EXCEEDED.labels("handshakes_address").inc()
            return wait
        if credentials is not None:
            key = credentials.cache_key(station_id)
            if self._guard.verdict(key, address, now) is AuthVerdict.KNOWN_GOOD:
                return 0.0
        wait = self._station_attempts.attempt(station_id, now)
        if wait > 0:
            BUDGET_EXCEEDED.labels("handshakes_station").inc()
        return wait

    def malformed(self, station_id: str, address: str) -> None:
        """A malformed Authorization header counts as a failed login."""
        key = (station_id, MALFORMED_SECRET, False, "")
        now = time.monotonic()
        self._guard.asking(key, address, now)
        self._guard.failed(key, address, now)

    async def authenticate(
        self, station_id: str, address: str, credentials: Credentials
    ) -> tuple[RegistrationAnswer, str | None]:
        """The registry's answer, and for a refusal the reason label (401 for every one)."""
        key = credentials.cache_key(station_id)
        verdict = self._guard.verdict(key, address, time.monotonic())
        if verdict is AuthVerdict.REFUSE:
            return RegistrationAnswer(Registration.UNAUTHORIZED), "repeated"
        # Only a password costs the shadow service a hash, so only a password is charged in advance:
        # charged, a crowd of first-time logins from one address (a reconnect storm behind a NAT, or
        # a slow registry) would find the address's failure budget spent by asks still in flight.
        charged = verdict is AuthVerdict.ASK and credentials.password is not None
        if charged:
            self._guard.asking(key, address, time.monotonic())
        answer = await self._check(station_id, credentials)
        if answer.registration is Registration.UNAUTHORIZED:
            if verdict is AuthVerdict.ASK and not charged:
                self._guard.asking(key, address, time.monotonic())  # the failure, charged afterwards
            self._guard.failed(key, address, time.monotonic())
            self._observe_sizes()
            return answer, "rejected"
        if answer.registration is Registration.REGISTERED:
            if answer.security_profile < self._min_profile:
                return RegistrationAnswer(Registration.UNAUTHORIZED), "below_minimum_profile"
            self._guard.succeeded(key)
        if charged:
            # Accepted, an unknown station (404) or no answer (503): not a failed login.
            self._guard.refund(key, address, time.monotonic())
        return answer, None

    async def _check(self, station_id: str, credentials: Credentials) -> RegistrationAnswer:
        """Ask the registry, with at most ``max_auth_in_flight`` questions outstanding and at most
        ``max_auth_waiting`` handshakes queued for one (registry_admission.py)."""
        admission = self._admission.arrive()
        if admission is Admission.REFUSE:
            BUDGET_EXCEEDED.labels("auth_waiting").inc()
            logger.info("registry checks full: told to retry later", extra={"station_id": station_id})
            return RegistrationAnswer(Registration.BUSY)
        if admission is Admission.WAIT and not await self._wait_for_turn():
            BUDGET_EXCEEDED.labels("auth_in_flight").inc()
            logger.warning("too many registry checks in flight", extra={"station_id": station_id})
            return RegistrationAnswer(Registration.UNAVAILABLE)
        try:
            return await self._registrations.check(station_id, credentials)
        finally:
            self._release()

    async def _wait_for_turn(self) -> bool:
        """Queue for a slot up to the registration timeout; True once one was handed over."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        granted = False
        try:
            async with asyncio.timeout(self._wait_for_slot):
                await future
            granted = True
        except TimeoutError:
            pass
        finally:
            if not granted:
                if future.done() and not future.cancelled():
                    self._release()  # the slot was handed over just as the wait ended
                else:
                    future.cancel()
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(future)
                    self._admission.gave_up()
        return granted

    def _release(self) -> None:
        """A check ended: hand its slot to the longest waiting handshake, if any."""
        if not self._admission.finished():
            return
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                self._admission.promoted()
                future.set_result(None)
                return

    def forget(self, station_id: str) -> None:
        """The station's credentials or registration changed."""
        self._registrations.forget(station_id)
        self._guard.forget(station_id)

    def _observe_sizes(self) -> None:
        BUDGET_ENTRIES.labels("station_attempts").set(len(self._station_attempts))
        BUDGET_ENTRIES.labels("address_attempts").set(len(self._address_attempts))
        for name, size in self._guard.sizes().items():
            BUDGET_ENTRIES.labels(f"auth_{name}").set(size)
