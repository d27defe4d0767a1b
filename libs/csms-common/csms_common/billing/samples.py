"""The bounded log of meter-value messages kept per session (pure): append, thin evenly beyond a cap.

Energy telescopes: dropping intermediate register readings changes a session's total only where a
reset or rollover hid between two kept ones, and the thinning is always noted on the session. The
first and the newest entries are never dropped, so the start and stop readings survive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_METER_VALUES_PER_ENTRY = 50
"""meterValue objects kept from one message; OCPP stations send a handful, a hostile one thousands."""
MAX_SAMPLED_VALUES = 32
"""sampledValue objects kept per meterValue (the measurands of one moment)."""


def sample_entry(meter_values: Sequence[Any], *, offline: bool = False, seq_no: Any = None) -> dict[str, Any]:
    """One stored entry: the message's meter values (bounded), whether it came late, its seqNo."""
    kept = []
    for meter_value in list(meter_values)[:MAX_METER_VALUES_PER_ENTRY]:
        if isinstance(meter_value, Mapping):
            sampled = meter_value.get("sampledValue")
            kept.append(
                {
                    "timestamp": meter_value.get("timestamp"),
                    "sampledValue": list(sampled)[:MAX_SAMPLED_VALUES] if isinstance(sampled, list) else [],
                }
            )
    entry: dict[str, Any] = {"meterValue": kept}
    if offline:
        entry["offline"] = True
    if isinstance(seq_no, int):
        entry["seqNo"] = seq_no
    return entry


def appended(
    entries: Sequence[Mapping[str, Any]], entry: Mapping[str, Any], cap: int
) -> tuple[list[Mapping[str, Any]], int]:
    """``entries`` with ``entry`` added, and how many were dropped to stay within ``cap`` (>= 3)."""
    result = [*entries, entry]
    if len(result) <= cap:
        return result, 0
    # Drop every second entry of the middle: the log keeps its first and newest entries and an even
    # spread in between, and each thinning halves the middle, so appends stay cheap on average.
    middle = result[1:-1]
    kept = [result[0], *middle[::2], result[-1]]
    while len(kept) > cap:
        kept = [kept[0], *kept[1:-1][::2], kept[-1]]
    return kept, len(result) - len(kept)
