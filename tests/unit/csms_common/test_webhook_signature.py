"""Webhook signatures: HMAC-SHA256 over ``{timestamp}.{body}``, checked against a fixed vector."""

from __future__ import annotations

import hashlib
import hmac

from csms_common.webhooks.signature import sign, verify

SECRET = "whsec-test-0123456789"
BODY = b'{"id":"1700000000000-0","type":"station.connected"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, BODY) == f"v1={expected}"
    # A vector computed once outside this code (HMAC-SHA256 of "1.{}" with key "secret"): the
    # format is a contract the SDKs' verifiers and docs/events.md rely on.
    assert sign("secret", 1, b"{}") == "v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908"


def test_verify_accepts_the_signature_and_refuses_changes() -> None:
    header = sign(SECRET, 1700000000, BODY)
    assert verify(SECRET, "1700000000", header, BODY, now=1700000010)
    assert verify(SECRET, "1700000000", f"v1=00, {header}", BODY, now=1700000010)  # several signatures
    assert not verify(SECRET, "1700000000", header, BODY + b" ", now=1700000010)
    assert not verify("another-secret-012345", "1700000000", header, BODY, now=1700000010)
    assert not verify(SECRET, "1700000001", header, BODY, now=1700000010)  # timestamp is signed too
    assert not verify(SECRET, "1700000000", header, BODY, now=1700000000 + 301)  # too old: a replay
    assert not verify(SECRET, "not-a-number", header, BODY, now=1700000010)
    assert not verify(SECRET, "1700000000", "", BODY, now=1700000010)
