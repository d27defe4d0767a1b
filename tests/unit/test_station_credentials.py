"""Station credentials: Basic auth parsing, the profile a connection achieves, password hashing."""

from __future__ import annotations

import base64

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Request

from csms_gateway.credentials import InvalidCredentials, basic_password
from csms_shadow.credentials.passwords import check_password_rules, hash_password, verify_password
from csms_shadow.registry.registry import connection_level, security_profile


def request_with(authorization: str | None) -> Request:
    headers = Headers()
    if authorization is not None:
        headers["Authorization"] = authorization
    return Request("/CP1", headers)


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_password_of_the_station() -> None:
    assert basic_password(request_with(basic("CP1:secret:with:colons")), "CP1") == "secret:with:colons"
    assert basic_password(request_with(None), "CP1") is None


@pytest.mark.parametrize(
    "header",
    [
        basic("CP2:secret"),
        basic("CP1"),
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"\xff:x").decode(),
    ],
)
def test_malformed_or_foreign_credentials(header: str) -> None:
    with pytest.raises(InvalidCredentials):
        basic_password(request_with(header), "CP1")


@pytest.mark.parametrize(
    ("tls", "certificate", "password", "level"),
    [
        (False, False, False, 0),
        (False, False, True, 1),
        (True, False, False, 0),
        (True, False, True, 2),
        (True, True, False, 3),
        (False, True, True, 1),  # a certificate without TLS cannot happen, and proves nothing
    ],
)
def test_connection_level(tls: bool, certificate: bool, password: bool, level: int) -> None:
    assert connection_level(tls=tls, certificate_matches=certificate, password_ok=password) == level


@pytest.mark.parametrize("value", [-1, 4, "1", True, None])
def test_security_profile_values(value: object) -> None:
    with pytest.raises(ValueError, match="securityProfile must be 0, 1, 2 or 3"):
        security_profile(value)


def test_password_hash_round_trip() -> None:
    stored = hash_password("a-long-password-16")
    assert stored.startswith("scrypt$16384$8$1$")
    assert "a-long-password-16" not in stored
    assert verify_password("a-long-password-16", stored)
    assert not verify_password("a-long-password-17", stored)
    assert not verify_password("a-long-password-16", "plain$text")
    assert hash_password("a-long-password-16") != stored  # salted


@pytest.mark.parametrize("password", ["short", "x" * 41, 1234567890123456789, "sixteen-chars-\n1"])
def test_password_rules(password: object) -> None:
    with pytest.raises(ValueError):
        check_password_rules(password)
