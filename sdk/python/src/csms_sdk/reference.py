"""The reference's ``OCPPClient(remote_start_url, remote_stop_url)``, kept working as written.

Start and stop go to the two URLs given, as in the reference (where each was its own Lambda
function URL); every other endpoint is below ``base_url``, which defaults to the start URL
without its ``/remote-start-transaction`` path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from csms_sdk.async_client import AsyncClient
from csms_sdk.client import Client

START_PATH = "/remote-start-transaction"


def base_url_of(remote_start_url: str) -> str:
    """``https://host/v1/remote-start-transaction`` → ``https://host/v1``; any other URL → its origin."""
    parts = urlsplit(remote_start_url)
    path = parts.path.rstrip("/")
    prefix = path[: -len(START_PATH)] if path.endswith(START_PATH) else ""
    return urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))


class OCPPClient(Client):
    """``OCPPClient(start_url, stop_url).start_transaction("CP001", "user-123", 1)``, plus the whole API.

    The token comes from ``token=`` or ``OCPP_API_TOKEN``; the other keywords are ``Client``'s.
    """

    def __init__(
        self, remote_start_url: str, remote_stop_url: str, *, base_url: str | None = None, **options: Any
    ) -> None:
        super().__init__(base_url or base_url_of(remote_start_url), **options)
        self.remote_start_url = remote_start_url
        self.remote_stop_url = remote_stop_url
        self._remote_start_url = remote_start_url
        self._remote_stop_url = remote_stop_url


class AsyncOCPPClient(AsyncClient):
    """``OCPPClient`` with ``await``."""

    def __init__(
        self, remote_start_url: str, remote_stop_url: str, *, base_url: str | None = None, **options: Any
    ) -> None:
        super().__init__(base_url or base_url_of(remote_start_url), **options)
        self.remote_start_url = remote_start_url
        self.remote_stop_url = remote_stop_url
        self._remote_start_url = remote_start_url
        self._remote_stop_url = remote_stop_url
