"""Time helpers: every timestamp the system emits is UTC ISO 8601 with a ``Z`` suffix."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """Format ``moment`` as ``2023-12-01T10:00:00.123Z`` (milliseconds, UTC, ``Z``)."""
    # isoformat, not strftime: this runs for every frame, and strftime took 2% of the gateway's time.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def utc_now_iso() -> str:
    """Return the current time as an ISO 8601 string in UTC with ``Z``."""
    return iso_z(utc_now())
