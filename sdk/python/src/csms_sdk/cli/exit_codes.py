"""What the ``csms`` command's exit status means, so scripts can branch on it."""

from __future__ import annotations

from enum import IntEnum

from csms_sdk.errors import (
    BadRequest,
    CommandTimeout,
    Conflict,
    CsmsError,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    StationError,
    TransportError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    """An error not listed below: a 500, an undocumented status, an unreadable answer."""
    USAGE = 2
    """Wrong arguments or options, an unreadable config file (click's own usage errors are 2 too)."""
    AUTH = 3
    """401 or 403: no token, a wrong token, or one without the scope."""
    NOT_FOUND = 4
    """404: the station (not registered), command or id token does not exist."""
    CONFLICT = 5
    """409: the station is not connected, or already registered."""
    INVALID = 6
    """400, 405, 413, 415: the API refused the request as sent (e.g. a payload the schema refuses)."""
    RATE_LIMITED = 7
    """429: too many commands for the station (``--retry N`` waits for Retry-After and tries again)."""
    STATION_ERROR = 8
    """502: the station answered with a CallError, or closed its connection before answering."""
    TIMEOUT = 9
    """504: no answer from the station within ``--wait`` or the gateway's call timeout."""
    UNAVAILABLE = 10
    """503 (registry down, station queue full), or the API could not be reached at all."""


_CODES: list[tuple[type[CsmsError], ExitCode]] = [
    (Unauthorized, ExitCode.AUTH),
    (Forbidden, ExitCode.AUTH),
    (NotFound, ExitCode.NOT_FOUND),
    (Conflict, ExitCode.CONFLICT),
    (BadRequest, ExitCode.INVALID),
    (MethodNotAllowed, ExitCode.INVALID),
    (PayloadTooLarge, ExitCode.INVALID),
    (UnsupportedMediaType, ExitCode.INVALID),
    (RateLimited, ExitCode.RATE_LIMITED),
    (StationError, ExitCode.STATION_ERROR),
    (CommandTimeout, ExitCode.TIMEOUT),
    (Unavailable, ExitCode.UNAVAILABLE),
    (TransportError, ExitCode.UNAVAILABLE),
]


def exit_code_for(error: CsmsError) -> ExitCode:
    for error_class, code in _CODES:
        if isinstance(error, error_class):
            return code
    return ExitCode.FAILED
