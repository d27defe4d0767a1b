"""Validation of charge point identities, which become MQTT topic levels."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

MAX_STATION_ID_LENGTH = 48
"""OCPP's identity limit (CiString48), which also keeps topic names short."""

_FORBIDDEN_CHARACTERS = frozenset("+#/\\")
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class InvalidStationId(ValueError):
    """The text cannot be used as a charge point identity."""


def validate_station_id(candidate: object) -> str:
    """Return ``candidate`` unchanged if it is a usable station id, else raise InvalidStationId.

    Refused: empty, longer than 48 characters, MQTT wildcards or level separators
    (``+``, ``#``, ``/``), backslash, ``..``, whitespace, control characters, and
    ``$`` at the start (topics starting with ``$`` are reserved by brokers).
    """
    if not isinstance(candidate, str):
        raise InvalidStationId("station id must be a string")
    if not candidate:
        raise InvalidStationId("station id must not be empty")
    if len(candidate) > MAX_STATION_ID_LENGTH:
        raise InvalidStationId(f"station id is longer than {MAX_STATION_ID_LENGTH} characters")
    if candidate.startswith("$"):
        raise InvalidStationId("station id must not start with '$'")
    if ".." in candidate:
        raise InvalidStationId("station id must not contain '..'")
    for character in candidate:
        if character in _FORBIDDEN_CHARACTERS:
            raise InvalidStationId(f"station id must not contain {character!r}")
        if character.isspace() or unicodedata.category(character).startswith("C"):
            raise InvalidStationId("station id must not contain whitespace or control characters")
    return candidate


def station_id_from_path(path: str) -> str:
    """Extract and validate the station id from a WebSocket request path such as ``/CP001``.

    The path is URL-decoded exactly once; a query string is ignored. A path with
    more than one segment (``/a/b``) is refused rather than guessed at.
    """
    raw = path.split("?", 1)[0]
    if not raw.startswith("/"):
        raise InvalidStationId("path must start with '/'")
    raw = raw[1:]
    if "/" in raw:
        raise InvalidStationId("path must have exactly one segment: /{chargePointId}")
    if _MALFORMED_ESCAPE.search(raw):
        raise InvalidStationId("path has a '%' that is not followed by two hex digits")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError as error:
        raise InvalidStationId("station id is not valid UTF-8 after URL decoding") from error
    return validate_station_id(decoded)
