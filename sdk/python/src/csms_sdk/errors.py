"""One exception class per way a call to the remote-api can fail, all under ``CsmsError``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CsmsError(Exception):
    """Anything this SDK raises."""


class TransportError(CsmsError):
    """The API could not be reached or did not answer (connection refused, DNS, read timeout)."""


class ApiError(CsmsError):
    """The API answered with an error status; ``message`` is its ``{"error": ...}`` text."""

    status: int = 0

    def __init__(self, status: int, message: str, body: Mapping[str, Any], method: str, url: str) -> None:
        super().__init__(f"{status} {message} ({method} {url})")
        self.status = status
        self.message = message
        self.body = dict(body)
        self.method = method
        self.url = url


class BadRequest(ApiError):
    """400: a missing or invalid parameter, a payload the station's schema refuses, an unknown action."""


class Unauthorized(ApiError):
    """401: no token, or a token the API does not know."""


class Forbidden(ApiError):
    """403: the token lacks the scope the endpoint needs (read < command < admin)."""


class NotFound(ApiError):
    """404: no such station, command, id token or route."""


class NotRegistered(NotFound):
    """404 from an endpoint about a station: the charge point is not in the registry."""


class Gone(ApiError):
    """410: events after this id were removed by retention; start again from the oldest kept."""


class MethodNotAllowed(ApiError):
    """405."""


class Conflict(ApiError):
    """409."""


class AlreadyRegistered(Conflict):
    """409 from ``POST /charge-points``: the charge point exists already."""


class NotConnected(Conflict):
    """409 from a command: the charge point is registered but has no live connection."""


class PayloadTooLarge(ApiError):
    """413: the body is larger than the API's ``API_MAX_BODY_BYTES``."""


class UnsupportedMediaType(ApiError):
    """415."""


class RateLimited(ApiError):
    """429: too many commands for this station; ``retry_after`` is the API's Retry-After in seconds."""

    def __init__(
        self,
        status: int,
        message: str,
        body: Mapping[str, Any],
        method: str,
        url: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, message, body, method, url)
        self.retry_after = retry_after


class ServerError(ApiError):
    """500: the API failed, e.g. ``Failed to publish message: ...``."""


class CommandFailed(ApiError):
    """A command that was sent but not answered with a result; ``message_id`` names its record."""

    @property
    def message_id(self) -> str | None:
        value = self.body.get("messageId")
        return value if isinstance(value, str) else None

    @property
    def state(self) -> str | None:
        value = self.body.get("state")
        return value if isinstance(value, str) else None


class StationError(CommandFailed):
    """502: the station answered with a CallError (``error_code``), or its connection closed first."""

    @property
    def error_code(self) -> str | None:
        value = self.body.get("errorCode")
        return value if isinstance(value, str) else None

    @property
    def error_description(self) -> str | None:
        value = self.body.get("errorDescription")
        return value if isinstance(value, str) else None


class Unavailable(CommandFailed):
    """503: the registry did not answer, or the station's call queue is full (state ``rejected``)."""


class CommandTimeout(CommandFailed):
    """504: no answer within ``wait`` (state ``sent``) or the gateway's call timeout (state ``timeout``)."""


STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
    500: ServerError,
    502: StationError,
    503: Unavailable,
    504: CommandTimeout,
}
"""The class for each status; an operation may name a narrower one (404 → NotRegistered, 409 → ...)."""
