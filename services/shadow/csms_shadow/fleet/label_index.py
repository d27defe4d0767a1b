"""Which stations a label selector matches, through the label index where it can (docs/fleet.md).

The index is a Redis set per ``key=value`` (``label:{key}={value}``), kept by the store in the same
transaction as the station record (label PATCH, delete). A selector with ``=`` or ``in``
requirements reads only the stations in the intersection of their sets; each candidate is still
checked against the whole selector (``!=``, ``notin``, ``exists``, ``!``). A selector without such a
requirement (empty, or only negations and existence) reads every station, as before the index.
"""

from __future__ import annotations

from csms_common.labels import Selector
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore


def indexed_groups(selector: Selector) -> list[list[tuple[str, str]]] | None:
    """For each ``=`` / ``in`` requirement, the labels one of which a station must carry; None
    when the selector has no such requirement (every station is a candidate)."""
    groups = [
        sorted((requirement.key, value) for value in requirement.values)
        for requirement in selector.requirements
        if requirement.operator in ("=", "in")
    ]
    return groups or None


async def matching_stations(store: ShadowStore, selector: Selector) -> list[JsonObject]:
    """The stations ``selector`` matches, oldest first, with presence."""
    groups = indexed_groups(selector)
    if groups is None:
        candidates = await store.list_stations()
    else:
        candidates = await store.stations(await store.labelled(groups))
    return [station for station in candidates if selector.matches(station.get("labels"))]
