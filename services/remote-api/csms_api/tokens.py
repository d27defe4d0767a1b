"""API bearer tokens: several, each with a name and scopes, stored only as SHA-256 hashes.

A token is 32 random bytes (``secrets.token_urlsafe``), so a fast hash is as
safe as a slow one here: there is nothing to guess. The token file holds one
``name:scope[,scope...]:sha256hex`` line per token; ``python -m csms_api.tokens
new NAME SCOPE`` prints a new token and its line.

Scopes nest: ``admin`` ⊃ ``command`` ⊃ ``read``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import IntEnum


class Scope(IntEnum):
    """What a token may do; a higher scope includes the lower ones."""

    READ = 1
    COMMAND = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Scope:
        try:
            return cls[text.strip().upper()]
        except KeyError as error:
            raise ValueError(f"unknown scope {text!r}: use read, command or admin") from error


class InvalidTokenConfig(ValueError):
    """A token line or file cannot be read."""


@dataclass(frozen=True)
class ApiToken:
    name: str
    scope: Scope
    digest: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token_line(line: str) -> ApiToken:
    """``name:scope:sha256hex`` (several scopes may be listed with commas; the highest counts)."""
    parts = line.strip().split(":")
    if len(parts) != 3 or not parts[0] or len(parts[2]) != 64:
        raise InvalidTokenConfig(f"token line must be name:scope:sha256hex, got {line.strip()!r}")
    name, scopes, digest = parts
    try:
        scope = max(Scope.parse(scope) for scope in scopes.split(","))
        int(digest, 16)
    except ValueError as error:
        raise InvalidTokenConfig(f"invalid token line for {name!r}: {error}") from error
    return ApiToken(name, scope, digest.lower())


class TokenRegistry:
    """Finds the token a request presents, by comparing hashes in constant time."""

    def __init__(self, tokens: list[ApiToken]) -> None:
        self._tokens = tokens

    @property
    def empty(self) -> bool:
        return not self._tokens

    def authenticate(self, presented: str) -> ApiToken | None:
        digest = token_digest(presented)
        found: ApiToken | None = None
        for token in self._tokens:
            # Compare against every entry so timing does not reveal which one matched.
            if hmac.compare_digest(token.digest, digest):
                found = token
        return found


def load_tokens(single_token: str | None, lines: list[str]) -> TokenRegistry:
    """The registry from ``OCPP_API_TOKEN`` (an admin token named "default") and token-file lines."""
    tokens = [parse_token_line(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if single_token is not None and ("," in single_token or not single_token.strip()):
        # A comma is how gunicorn joins a repeated Authorization header: the API refuses both with 400.
        raise InvalidTokenConfig("OCPP_API_TOKEN must be a non-empty token without commas")
    if single_token is not None:
        tokens.append(ApiToken("default", Scope.ADMIN, token_digest(single_token)))
    names = [token.name for token in tokens]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidTokenConfig(f"duplicate token names: {', '.join(duplicates)}")
    return TokenRegistry(tokens)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csms_api.tokens", description="Create an API token and its token-file line."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="print a new random token and the line for OCPP_API_TOKENS_FILE")
    new.add_argument("name")
    new.add_argument("scope", choices=[scope.name.lower() for scope in Scope])
    arguments = parser.parse_args()
    token = secrets.token_urlsafe(32)
    print(f"token: {token}")
    print(f"line:  {arguments.name}:{arguments.scope}:{token_digest(token)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
