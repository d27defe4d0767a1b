"""API tokens: parsing token lines, scopes, authentication by hash."""

from __future__ import annotations

import pytest

from csms_api.tokens import InvalidTokenConfig, Scope, load_tokens, parse_token_line, token_digest

DIGEST = token_digest("secret")


def test_token_line_parses() -> None:
    token = parse_token_line(f"ops:command:{DIGEST}")
    assert (token.name, token.scope, token.digest) == ("ops", Scope.COMMAND, DIGEST)


def test_the_highest_of_several_scopes_counts() -> None:
    assert parse_token_line(f"ops:read,admin:{DIGEST}").scope is Scope.ADMIN


@pytest.mark.parametrize(
    "line",
    ["ops:command", f":read:{DIGEST}", "ops:read:abc", f"ops:root:{DIGEST}", "ops:read:" + "z" * 64],
)
def test_bad_token_lines_are_refused(line: str) -> None:
    with pytest.raises(InvalidTokenConfig):
        parse_token_line(line)


def test_scopes_nest() -> None:
    assert Scope.READ < Scope.COMMAND < Scope.ADMIN


def test_registry_authenticates_by_hash_only() -> None:
    registry = load_tokens("admin-token", [f"ops:read:{DIGEST}", "# a comment", ""])
    found = registry.authenticate("secret")
    assert found is not None and found.name == "ops" and found.scope is Scope.READ
    default = registry.authenticate("admin-token")
    assert default is not None and default.name == "default" and default.scope is Scope.ADMIN
    assert registry.authenticate("other") is None
    assert registry.authenticate(DIGEST) is None  # the hash itself is not a token


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(InvalidTokenConfig, match="duplicate token names: ops"):
        load_tokens(None, [f"ops:read:{DIGEST}", f"ops:admin:{token_digest('x')}"])


def test_no_tokens_is_empty() -> None:
    assert load_tokens(None, []).empty
