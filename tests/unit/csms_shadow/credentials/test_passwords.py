"""Station passwords: scrypt hashing and the rules a new password must meet."""

from __future__ import annotations

import pytest

from csms_shadow.credentials.passwords import check_password_rules, hash_password, verify_password


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
