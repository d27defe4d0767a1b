"""The one place the SDK reads the environment: ``OCPP_API_TOKEN``, the token of the reference."""

from __future__ import annotations

import os

TOKEN_VARIABLE = "OCPP_API_TOKEN"


def token_from_environment() -> str | None:
    """The bearer token from ``OCPP_API_TOKEN``; None when unset or empty."""
    return os.environ.get(TOKEN_VARIABLE) or None


def config_home() -> str | None:
    """``XDG_CONFIG_HOME`` if set: where the CLI looks for ``csms/config.toml``."""
    return os.environ.get("XDG_CONFIG_HOME") or None
