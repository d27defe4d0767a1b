"""Command-line words turned into API bodies (``KEY=VALUE`` settings, a site's limit), without I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

AVAILABILITIES = ("Operative", "Inoperative")


def key_value(word: str) -> tuple[str, str]:
    """``HeartbeatInterval=60`` → ``("HeartbeatInterval", "60")``; the value may hold ``=`` too."""
    key, separator, value = word.partition("=")
    if not separator or not key:
        raise ValueError(f"expected KEY=VALUE, got {word!r}")
    return key, value


def desired_state(
    settings: Sequence[str], unset: Sequence[str], availability: Sequence[str]
) -> dict[str, Any]:
    """The desired patch of ``csms fleet desire``: configuration keys set (``KEY=VALUE``) or
    removed (``--unset KEY``, sent as null), and EVSE availabilities (``--availability 1=Inoperative``)."""
    configuration: dict[str, str | None] = dict(key_value(word) for word in settings)
    for key in unset:
        if key in configuration:
            raise ValueError(f"{key} is both set and unset")
        configuration[key] = None
    availabilities: dict[str, str | None] = {}
    for word in availability:
        evse, state = key_value(word)
        if state not in AVAILABILITIES:
            raise ValueError(f"availability of {evse} must be one of {', '.join(AVAILABILITIES)}")
        availabilities[evse] = state
    desired: dict[str, Any] = {}
    if configuration:
        desired["configuration"] = configuration
    if availabilities:
        desired["availability"] = availabilities
    if not desired:
        raise ValueError("nothing to desire: give KEY=VALUE, --unset KEY or --availability EVSE=STATE")
    return desired


def site_limit(amps: float | None, watts: float | None, phases: int | None) -> dict[str, Any]:
    """A site's limit: exactly one of amps (per phase) or watts, and optionally its phases."""
    if (amps is None) == (watts is None):
        raise ValueError("give exactly one of --amps or --watts")
    limit: dict[str, Any] = {"amps": amps} if amps is not None else {"watts": watts}
    if phases is not None:
        limit["phases"] = phases
    return limit


def limit_text(limit: dict[str, Any] | None) -> str:
    """``{"amps": 63, "phases": 3}`` → ``63 A x3``; ``{"watts": 22000}`` → ``22000 W``."""
    if not limit:
        return "-"
    text = f"{limit['amps']:g} A" if "amps" in limit else f"{limit.get('watts', 0):g} W"
    return f"{text} x{limit['phases']}" if "phases" in limit else text
