"""The security profile a connection achieves, and the values a registry record accepts for it."""

from __future__ import annotations

import pytest

from csms_shadow.registry.registry import connection_level, security_profile


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
