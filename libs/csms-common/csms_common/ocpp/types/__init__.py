"""OCPP messages as TypedDicts, one module per version (v16, v201, v21), generated from the official schemas.

``scripts/generate_ocpp_types.py`` writes the modules; they are checked in so that mypy
reads them without the generator. A TypedDict is a plain dict at run time, so a handler
that builds ``reply: HeartbeatResponse = {...}`` pays nothing for mypy checking that the
reply has its action's fields, names and enum values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast


def wire(message: Mapping[str, Any]) -> dict[str, Any]:
    """A typed message as the plain dict it already is, for code that takes any payload (no copy)."""
    return cast(dict[str, Any], message)
