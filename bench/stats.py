"""Percentiles, the steady window and the summary the load generator reports. Pure, no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, interpolating linearly between ranks.

    Same definition as numpy's default (``linear``): p0 is the minimum, p100 the maximum.
    NaN for no values.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    n = len(sorted_values)
    if n == 0:
        return math.nan
    if n == 1:
        return float(sorted_values[0])
    rank = (n - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, n - 1)
    fraction = rank - low
    return float(sorted_values[low]) + (float(sorted_values[high]) - float(sorted_values[low])) * fraction


@dataclass(frozen=True)
class Distribution:
    """Summary of a sample in milliseconds (inputs are seconds)."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Iterable[float]) -> Distribution:
        values = sorted(seconds)
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            count=len(values),
            p50_ms=percentile(values, 50) * 1000,
            p95_ms=percentile(values, 95) * 1000,
            p99_ms=percentile(values, 99) * 1000,
            max_ms=values[-1] * 1000,
            mean_ms=sum(values) / len(values) * 1000,
        )

    def as_dict(self) -> dict[str, float | int | None]:
        return {key: _finite(value) for key, value in self.__dict__.items()}


def _finite(value: float | int) -> float | int | None:
    """JSON has no NaN: an empty sample's figures become null."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value


@dataclass(frozen=True)
class Window:
    """The steady part of a run, in monotonic seconds: ramp-up and ramp-down excluded."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)

    def contains(self, instant: float) -> bool:
        return self.start <= instant < self.end


def steady_window(ramp_end: float, end: float, *, warmup: float, cooldown: float) -> Window:
    """From ``warmup`` after the last connection opened to ``cooldown`` before the generator stops.

    Empty (zero length) when the ramp took the whole run.
    """
    start = ramp_end + warmup
    stop = end - cooldown
    return Window(start, max(start, stop))


@dataclass(frozen=True)
class CallSamples:
    """Completed calls: when each was sent, its round trip and its action (an index into ``actions``)."""

    sent_at: Sequence[float]
    round_trip: Sequence[float]
    action: Sequence[int]


def calls_in_window(samples: CallSamples, window: Window) -> list[int]:
    """Indices of the calls sent inside the window (their round trips describe the steady state)."""
    return [i for i, sent in enumerate(samples.sent_at) if window.contains(sent)]


def completed_in_window(samples: CallSamples, window: Window) -> int:
    """How many answers arrived inside the window (the throughput numerator)."""
    return sum(
        1
        for sent, rtt in zip(samples.sent_at, samples.round_trip, strict=True)
        if window.contains(sent + rtt)
    )


def rate(count: int, window: Window) -> float:
    return count / window.seconds if window.seconds > 0 else 0.0


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator
