"""Refuse repeated authentication failures fast, without hashing again (sans I/O: the caller passes the time).

Every password the gateway cannot vouch for costs the shadow service one scrypt hash
(about 50 ms of CPU). So the gateway remembers, briefly:

- credentials that just failed (station id + a SHA-256 of what was presented): the same
  wrong password again is refused at once;
- failures per station id and per source address, each a token bucket: once one is empty,
  further unknown credentials for that id, or from that address, are refused at once
  until it refills;
- the credentials that last succeeded for each station: they always pass the failure
  budgets, so an attacker guessing a station's password cannot lock the station out of
  this gateway (it still pays its one hash, or none within the registration cache).

A refusal here is the same 401 as a wrong password: no hint. All maps are bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import Enum

from csms_gateway.budgets import AttemptThrottle, Rate

CredentialKey = tuple[str, str, bool, str]
"""``(station id, sha256 of the password, TLS, certificate CN)``: never the password itself."""


class AuthVerdict(Enum):
    ASK = "ask"
    """Unknown credentials within the failure budgets: ask the registry."""
    KNOWN_GOOD = "known_good"
    """The credentials that last succeeded for this station: ask the registry, whatever the budgets."""
    REFUSE = "refuse"
    """Failed just now, or over a failure budget: 401 without asking."""


class AuthGuard:
    """Negative cache and failure budgets of one gateway process."""

    def __init__(
        self,
        *,
        negative_seconds: float,
        station_failures: Rate,
        address_failures: Rate,
        capacity: int,
    ) -> None:
        self._negative_seconds = negative_seconds
        self._capacity = capacity
        self._failed: OrderedDict[CredentialKey, float] = OrderedDict()
        self._known_good: OrderedDict[str, CredentialKey] = OrderedDict()
        self._station_failures = AttemptThrottle(station_failures, capacity)
        self._address_failures = AttemptThrottle(address_failures, capacity)

    def verdict(self, key: CredentialKey, address: str, now: float) -> AuthVerdict:
        station_id = key[0]
        if self._known_good.get(station_id) == key:
            return AuthVerdict.KNOWN_GOOD
        expiry = self._failed.get(key)
        if expiry is not None:
            if expiry > now:
                return AuthVerdict.REFUSE
            del self._failed[key]
        if self._station_failures.wait(station_id, now) > 0 or self._address_failures.wait(address, now) > 0:
            return AuthVerdict.REFUSE
        return AuthVerdict.ASK

    def asking(self, key: CredentialKey, address: str, now: float) -> None:
        """Unknown credentials go to the registry: their failure is charged now, in advance, so a
        crowd of guesses arriving at once gets only the budget's worth of hashes, not one each.
        :meth:`succeeded` gives it back."""
        self._station_failures.attempt(key[0], now)
        self._address_failures.attempt(address, now)

    def failed(self, key: CredentialKey, address: str, now: float) -> None:
        """The registry said 401, after :meth:`asking` (or the credentials were malformed)."""
        if self._known_good.get(key[0]) == key:
            del self._known_good[key[0]]
        if self._negative_seconds > 0:
            self._failed[key] = now + self._negative_seconds
            self._failed.move_to_end(key)
            while len(self._failed) > self._capacity:
                self._failed.popitem(last=False)

    def refund(self, key: CredentialKey, address: str, now: float) -> None:
        """What :meth:`asking` charged was not a failure (accepted, or the registry could not say)."""
        self._station_failures.refund(key[0], now)
        self._address_failures.refund(address, now)

    def succeeded(self, key: CredentialKey) -> None:
        station_id = key[0]
        self._known_good[station_id] = key
        self._known_good.move_to_end(station_id)
        while len(self._known_good) > self._capacity:
            self._known_good.popitem(last=False)

    def forget(self, station_id: str) -> None:
        """The station's credentials changed: what failed may now succeed, and the reverse."""
        self._known_good.pop(station_id, None)
        for key in [key for key in self._failed if key[0] == station_id]:
            del self._failed[key]
        self._station_failures.forget(station_id)

    def sizes(self) -> dict[str, int]:
        return {
            "failed": len(self._failed),
            "known_good": len(self._known_good),
            "station_failures": len(self._station_failures),
            "address_failures": len(self._address_failures),
        }
