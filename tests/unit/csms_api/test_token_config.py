"""OCPP_API_TOKEN may not hold what the API reads as a repeated Authorization header."""

from __future__ import annotations

import pytest

from csms_api.tokens import InvalidTokenConfig, load_tokens


@pytest.mark.parametrize("token", ["abc,def", "", "   "])
def test_token_with_comma_or_empty_is_refused(token: str) -> None:
    with pytest.raises(InvalidTokenConfig, match="without commas"):
        load_tokens(token, [])


def test_plain_token_is_accepted() -> None:
    registry = load_tokens("Zx-_0123456789abcdefXYZ", [])
    found = registry.authenticate("Zx-_0123456789abcdefXYZ")
    assert found is not None and found.name == "default"
