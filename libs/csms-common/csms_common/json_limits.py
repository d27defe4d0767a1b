"""Limits on JSON that comes from outside: no OCPP message nests anywhere near this deep."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

MAX_NESTING = 64
"""Deepest nesting of arrays and objects accepted in a frame or a shadow update. OCPP payloads nest
fewer than ten levels; a limit far below Python's recursion limit keeps every later step (schema
validation, copying, merging, serialising) safe from RecursionError."""

MAX_ITEMS = 5000
"""Most objects, arrays and decimal numbers accepted in one frame or shadow update. Every later
step (schema validation, summarising, merging) costs time per item, so this bounds what one frame
can make a service compute: a 1 MiB frame of empty objects holds 300,000 of them (1.2 s of checking
on main). OCPP messages stay far below it: a 1.6 GetConfiguration answer with 1,000 keys holds
about 1,000, a NotifyReport part with 500 report items about 4,000. See docs/budgets-storage.md."""

SHADOW_MAX_NESTING = MAX_NESTING + 16
"""Shadow updates may nest a little deeper: a handler files a frame's objects under a few levels of its
own (``evses.{id}.activeTransaction.lastMeterValue``)."""


def json_problem(value: Any, limit: int = MAX_NESTING, max_items: int = MAX_ITEMS) -> str | None:
    """Why decoded JSON is unacceptable (too deep, too many items, or a number that overflowed to
    infinity), or None.

    Iterative, so it never recurses however deep the value is, and it stops at ``max_items``, so its
    own cost is bounded however large the value is.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    items = 1
    too_many = f"holds more than {max_items} objects, arrays and decimal numbers"
    while stack:
        current, depth = stack.pop()
        if isinstance(current, float) and not math.isfinite(current):
            return "a number is out of range"
        if isinstance(current, dict):
            children: Iterable[Any] = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return f"nests deeper than {limit} levels"
        # Counted as they are found, so one wide array stops the check at the limit too.
        for child in children:
            if isinstance(child, dict | list | float):
                items += 1
                if items > max_items:
                    return too_many
                stack.append((child, depth + 1))
    return None


def nesting_depth_exceeds(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether ``value`` nests arrays/objects more than ``limit`` levels deep (or holds an infinity)."""
    return json_problem(value, limit) is not None
