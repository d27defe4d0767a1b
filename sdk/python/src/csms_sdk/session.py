"""What the sync and async clients share: base URL, headers (token, API version), timeout, retry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from csms_sdk._version import __version__
from csms_sdk.environment import token_from_environment
from csms_sdk.retry import RetryPolicy

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 30.0
API_VERSION = "v1"
"""Sent as ``API-Version``: an API that no longer speaks v1 refuses with 400 instead of misreading."""


@dataclass(frozen=True)
class SessionSettings:
    base_url: str
    headers: dict[str, str]
    timeout: float
    retry: RetryPolicy | None

    @classmethod
    def build(
        cls,
        base_url: str,
        token: str | None,
        timeout: float,
        retry: RetryPolicy | None,
        headers: Mapping[str, str] | None,
    ) -> SessionSettings:
        token = token if token is not None else token_from_environment()
        all_headers = {"API-Version": API_VERSION, "User-Agent": f"csms-sdk-python/{__version__}"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        return cls(base_url.rstrip("/"), all_headers, timeout, retry)

    def retry_delay(self, tries_so_far: int, retry_after: float | None) -> float | None:
        """Seconds to wait before trying a 429 again; None to raise it (no policy, or no tries left)."""
        if self.retry is None:
            return None
        return self.retry.delay(tries_so_far, retry_after)
