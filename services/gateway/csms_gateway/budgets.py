"""Per-station and per-address budgets that outlive a connection (sans I/O: the caller passes the time).

A budget kept on the connection is refilled by reconnecting; these are kept by the
gateway process, keyed by station id (frames and bytes a station may send) or by
station id and source address (handshake attempts), in maps bounded in size. An
entry whose buckets are full says nothing a fresh entry would not, so it is the
first to go; beyond the bound the least recently used goes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, TypeVar


class Bucket:
    """``rate`` units per second, at most ``burst`` saved up; starts full."""

    __slots__ = ("_burst", "_rate", "_tokens", "_updated")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._updated = now

    def refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = max(self._updated, now)

    def wait_for(self, cost: float) -> float:
        """Seconds until ``cost`` units are there (0.0 now); call :meth:`refill` first."""
        cost = min(cost, self._burst)
        # The epsilon absorbs float error: a request exactly one refill interval later is allowed.
        missing = cost - self._tokens
        return 0.0 if missing <= 1e-9 else missing / self._rate

    def spend(self, cost: float) -> None:
        """Take ``cost`` units (a negative cost gives units back, up to the burst)."""
        self._tokens = min(self._burst, max(0.0, self._tokens - min(cost, self._burst)))

    def is_full(self, now: float) -> bool:
        return self._tokens + max(0.0, now - self._updated) * self._rate >= self._burst


@dataclass(frozen=True)
class Rate:
    """A budget's setting: ``per_second`` units per second, ``burst`` at most at once."""

    per_second: float
    burst: float

    @property
    def enabled(self) -> bool:
        return self.per_second > 0


class StationBudget:
    """What one station id may send: frames per second and bytes per second, both at once.

    A disabled rate (0 per second) is no budget at all."""

    __slots__ = ("_bytes", "_frames")

    def __init__(self, frames: Rate, byte_rate: Rate, now: float) -> None:
        self._frames = Bucket(frames.per_second, frames.burst, now) if frames.enabled else None
        self._bytes = Bucket(byte_rate.per_second, byte_rate.burst, now) if byte_rate.enabled else None

    def take(self, size: int, now: float) -> tuple[float, str | None]:
        """Take one frame of ``size`` bytes: ``(0.0, None)``, or the wait and the budget that is short.

        Nothing is taken unless both budgets allow it, so a waiting frame pays once."""
        frame_wait = byte_wait = 0.0
        if self._frames is not None:
            self._frames.refill(now)
            frame_wait = self._frames.wait_for(1)
        if self._bytes is not None:
            self._bytes.refill(now)
            byte_wait = self._bytes.wait_for(size)
        if frame_wait == 0.0 and byte_wait == 0.0:
            if self._frames is not None:
                self._frames.spend(1)
            if self._bytes is not None:
                self._bytes.spend(size)
            return 0.0, None
        if frame_wait >= byte_wait:
            return frame_wait, "frames"
        return byte_wait, "bytes"

    def is_full(self, now: float) -> bool:
        return all(bucket.is_full(now) for bucket in (self._frames, self._bytes) if bucket is not None)


class StationBudgets:
    """The budget of every station id seen recently, bounded to ``capacity`` entries."""

    def __init__(self, frames: Rate, byte_rate: Rate, capacity: int) -> None:
        self._frames = frames
        self._bytes = byte_rate
        self._capacity = capacity
        self._budgets: OrderedDict[str, StationBudget] = OrderedDict()

    def __len__(self) -> int:
        return len(self._budgets)

    def of(self, station_id: str, now: float) -> StationBudget:
        """The station's budget: the same object across its connections while it is remembered."""
        budget = self._budgets.get(station_id)
        if budget is not None:
            self._budgets.move_to_end(station_id)
            return budget
        budget = StationBudget(self._frames, self._bytes, now)
        self._budgets[station_id] = budget
        _bound(self._budgets, self._capacity, now)
        return budget


class AttemptThrottle:
    """Handshake attempts per key (a station id, or a source address): a bucket each, bounded map."""

    def __init__(self, rate: Rate, capacity: int) -> None:
        self._rate = rate
        self._capacity = capacity
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def attempt(self, key: str, now: float) -> float:
        """Count one attempt: 0.0 if allowed, else the seconds until the next one would be."""
        if not self._rate.enabled:
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = Bucket(self._rate.per_second, self._rate.burst, now)
            self._buckets[key] = bucket
            _bound(self._buckets, self._capacity, now)
        else:
            self._buckets.move_to_end(key)
        bucket.refill(now)
        wait = bucket.wait_for(1)
        if wait == 0.0:
            bucket.spend(1)
        return wait

    def refund(self, key: str, now: float) -> None:
        """Give back an attempt taken in advance (it turned out not to count)."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.refill(now)
            bucket.spend(-1)

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def wait(self, key: str, now: float) -> float:
        """The seconds until ``key`` may make an attempt (0.0: now), taking nothing."""
        bucket = self._buckets.get(key)
        if bucket is None or not self._rate.enabled:
            return 0.0
        bucket.refill(now)
        return bucket.wait_for(1)


class _Refilling(Protocol):
    def is_full(self, now: float) -> bool: ...


_Entry = TypeVar("_Entry", bound=_Refilling)


def _bound(entries: OrderedDict[str, _Entry], capacity: int, now: float) -> None:
    """Keep at most ``capacity`` entries: drop full ones, then the least recently used.

    Each sweep leaves a tenth of the room free, so sweeps (O(n)) are amortised over as many inserts."""
    if len(entries) <= capacity:
        return
    target = capacity - max(1, capacity // 10)
    for key in [key for key, entry in entries.items() if entry.is_full(now)]:
        del entries[key]
    while len(entries) > target:
        entries.popitem(last=False)
