"""Time helpers: every timestamp the system emits is UTC ISO 8601 with a ``Z`` suffix."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """Format ``moment`` as ``2023-12-01T10:00:00.123Z`` (milliseconds, UTC, ``Z``)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def utc_now_iso() -> str:
    """Return the current time as an ISO 8601 string in UTC with ``Z``."""
    return iso_z(utc_now())
