"""Webhook signatures: HMAC-SHA256 over ``{timestamp}.{body}`` with the webhook's secret.

A delivery carries ``X-CSMS-Timestamp`` (Unix seconds) and ``X-CSMS-Signature:
v1=<hex digest>``; a receiver recomputes the digest over the raw body and compares
in constant time, and refuses timestamps too far from its clock (replays).
See docs/events.md for the Python and JavaScript snippets.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-CSMS-Signature"
TIMESTAMP_HEADER = "X-CSMS-Timestamp"
EVENT_ID_HEADER = "X-CSMS-Event-Id"
EVENT_TYPE_HEADER = "X-CSMS-Event-Type"
ATTEMPT_HEADER = "X-CSMS-Delivery-Attempt"
WEBHOOK_ID_HEADER = "X-CSMS-Webhook-Id"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(
    secret: str,
    timestamp_header: str,
    signature_header: str,
    body: bytes,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a delivery is authentic and fresh (what a receiver does; used by the tests)."""
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds:
        return False
    presented = [part.strip() for part in signature_header.split(",")]
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in presented)
