"""Checking a webhook delivery's signature, as a receiver does (docs/events.md, *Verifying a signature*).

The notifier signs ``"<X-CSMS-Timestamp>.<raw body>"`` with HMAC-SHA256 and the webhook's secret and
sends ``X-CSMS-Signature: v1=<hex>`` (several comma-separated during a secret's rotation).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-CSMS-Signature"
TIMESTAMP_HEADER = "X-CSMS-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name (a plain dict, or httpx/requests/Flask headers)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def verify_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether a delivery is authentic and fresh: ``body`` is the raw request body (before any JSON
    parsing), ``headers`` the request's headers. False for a missing or malformed header, a wrong
    signature, or a timestamp more than ``tolerance_seconds`` from ``now`` (a replay)."""
    timestamp = _header(headers, TIMESTAMP_HEADER)
    signatures = _header(headers, SIGNATURE_HEADER)
    if timestamp is None or signatures is None or not timestamp.strip().isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    expected = f"v1={digest}"
    return any(hmac.compare_digest(expected, part.strip()) for part in signatures.split(","))
