"""Source addresses whose handshakes keep being refused are refused at accept time (sans I/O).

A refused handshake (400, 401, 404 or 429) is cheap for the registry but not for the
gateway: TCP accept, the HTTP request parsed, a response written, a log line. A flood of
them from a few addresses takes the event loop's time from everyone else. So each address
has a budget of refused handshakes (a token bucket); once it is spent, the address's next
connections are answered ``429`` as soon as they are accepted, before their request is
read, until a token is back. Such an answer costs nothing from the budget: the address is
heard again at the budget's rate, and a station behind it that retries slowly gets in.

What this costs a well-behaved station: sharing a source address (a NAT) with a station
that keeps failing. A failing station retrying every few seconds stays within the default
budget; a larger site sets ``GATEWAY_REFUSED_ADDRESS_RATE=0`` (off).
"""

from __future__ import annotations

from csms_gateway.budgets import AttemptThrottle, Rate

REFUSED_STATUSES = frozenset({400, 401, 404, 429})
"""Handshake answers that charge the address: the client's fault. 503 (ours) does not."""


class AddressRefusals:
    """Refused handshakes per source address, in a map bounded to ``capacity`` entries."""

    def __init__(self, rate: Rate, capacity: int) -> None:
        self._throttle = AttemptThrottle(rate, capacity)

    def __len__(self) -> int:
        return len(self._throttle)

    def refused(self, address: str, now: float) -> bool:
        """Charge one refused handshake; True if this spent the address's budget (it is refused at
        accept time from now on, for a while): the moment worth one log line."""
        if self._throttle.attempt(address, now) > 0:
            return False
        return self._throttle.wait(address, now) > 0

    def wait(self, address: str, now: float) -> float:
        """Seconds until the address's handshakes are heard again; 0.0: now."""
        return self._throttle.wait(address, now)
