"""JSON for what the services write and read among themselves (shadow documents, records, events).

orjson does the work (in ``make bench`` JSON was a sixth of the shadow service's time with the
standard library); the standard library takes over for what orjson refuses and Python's ``json``
accepts: integers beyond 64 bits, keys that are not strings, the non-standard NaN and Infinity.
So nothing that was stored before becomes unreadable, and nothing storable is refused.
Station frames are not parsed here: ``csms_common.ocpp.frames`` keeps its own, stricter rules.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | bytearray | str) -> Any:
    """Decode a JSON document; raises ValueError (json.JSONDecodeError) for text that is not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value: Any) -> bytes:
    """Encode ``value`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()
