"""A typed routing table (a TypedDict that mypy checks action by action) as a read-only mapping."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar, cast

Entry = TypeVar("Entry")


def frozen_table(typed: Mapping[str, object], kind: type[Entry]) -> Mapping[str, Entry]:
    """``typed``'s entries, read-only, keyed by action.

    mypy has checked each entry against its action's declared route type; the check here
    only guards against a table that mypy never saw.
    """
    for action, entry in typed.items():
        if not isinstance(entry, kind):
            raise TypeError(f"{action}: {entry!r} is not a {kind.__name__}")
    return MappingProxyType(cast(dict[str, Entry], dict(typed)))
