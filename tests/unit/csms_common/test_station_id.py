"""Charge point identities: what is accepted, what is refused, and how a request path is decoded."""

from __future__ import annotations

import pytest

from csms_common.station_id import (
    MAX_STATION_ID_LENGTH,
    InvalidStationId,
    station_id_from_path,
    validate_station_id,
)


def test_the_limit_is_ocpp_cistring48() -> None:
    assert MAX_STATION_ID_LENGTH == 48


@pytest.mark.parametrize(
    "candidate",
    [
        "CP001",
        "a",
        "x" * 48,
        "station-1_A.b",
        "CP$1",  # '$' is refused only at the start
        "a.b.c",  # single dots are fine
        "%2F",  # already decoded text is not decoded again
        "Ladesäule-ü",
        "CP:1@site",
    ],
)
def test_valid_station_ids_are_returned_unchanged(candidate: str) -> None:
    assert validate_station_id(candidate) == candidate


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("", "station id must not be empty"),
        ("x" * 49, "station id is longer than 48 characters"),
        ("$SYS", "station id must not start with '$'"),
        ("$", "station id must not start with '$'"),
        ("..", "station id must not contain '..'"),
        ("CP..1", "station id must not contain '..'"),
        ("CP+1", "station id must not contain '+'"),
        ("CP#1", "station id must not contain '#'"),
        ("CP/1", "station id must not contain '/'"),
        ("CP\\1", "station id must not contain '\\\\'"),
        ("CP 1", "station id must not contain whitespace or control characters"),
        ("CP\t1", "station id must not contain whitespace or control characters"),
        ("CP\n", "station id must not contain whitespace or control characters"),
        ("CP\x00", "station id must not contain whitespace or control characters"),
        ("CP\x7f", "station id must not contain whitespace or control characters"),
        ("CP\u00a0", "station id must not contain whitespace or control characters"),  # no-break space
        ("CP\u200b", "station id must not contain whitespace or control characters"),  # zero-width space
        ("CP\u202e", "station id must not contain whitespace or control characters"),  # RTL override
    ],
)
def test_invalid_station_ids_are_refused(candidate: str, message: str) -> None:
    with pytest.raises(InvalidStationId) as raised:
        validate_station_id(candidate)
    assert str(raised.value) == message


@pytest.mark.parametrize("candidate", [None, 1, b"CP001", ["CP001"]])
def test_non_strings_are_refused(candidate: object) -> None:
    with pytest.raises(InvalidStationId, match=r"^station id must be a string$"):
        validate_station_id(candidate)


def test_invalid_station_id_is_a_value_error() -> None:
    assert issubclass(InvalidStationId, ValueError)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/CP001", "CP001"),
        ("/CP001?token=abc", "CP001"),
        ("/CP001?a=/b/c", "CP001"),  # the query string is ignored, slashes included
        ("/CP%2D001", "CP-001"),
        ("/Lades%C3%A4ule", "Ladesäule"),
        ("/CP%252F1", "CP%2F1"),  # decoded exactly once
        ("/CP%2541", "CP%41"),
        ("/" + "x" * 48, "x" * 48),
        ("/" + "%41" * 48, "A" * 48),  # the limit applies to the decoded id
        ("/CP%241", "CP$1"),
    ],
)
def test_station_id_from_path_decodes_once(path: str, expected: str) -> None:
    assert station_id_from_path(path) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "path must start with '/'"),
        ("CP001", "path must start with '/'"),
        ("?x=/CP001", "path must start with '/'"),
        ("/", "station id must not be empty"),
        ("/?x=1", "station id must not be empty"),
        ("/a/b", "path must have exactly one segment: /{chargePointId}"),
        ("/ocpp/CP001", "path must have exactly one segment: /{chargePointId}"),
        ("/CP001/", "path must have exactly one segment: /{chargePointId}"),
        ("/CP%2F1", "station id must not contain '/'"),
        ("/CP%2f1", "station id must not contain '/'"),
        ("/CP%2B1", "station id must not contain '+'"),
        ("/CP%231", "station id must not contain '#'"),
        ("/CP%5C1", "station id must not contain '\\\\'"),
        ("/%2E%2E", "station id must not contain '..'"),
        ("/%24SYS", "station id must not start with '$'"),
        ("/CP%201", "station id must not contain whitespace or control characters"),
        ("/CP%001", "station id must not contain whitespace or control characters"),
        ("/CP%0A", "station id must not contain whitespace or control characters"),
        ("/" + "x" * 49, "station id is longer than 48 characters"),
        ("/" + "%41" * 49, "station id is longer than 48 characters"),
        ("/CP%FF", "station id is not valid UTF-8 after URL decoding"),
        ("/CP%C3", "station id is not valid UTF-8 after URL decoding"),  # truncated sequence
        ("/CP%C0%AF", "station id is not valid UTF-8 after URL decoding"),  # overlong '/'
    ],
)
def test_station_id_from_path_refuses(path: str, message: str) -> None:
    with pytest.raises(InvalidStationId) as raised:
        station_id_from_path(path)
    assert str(raised.value) == message


def test_invalid_utf8_keeps_the_decoding_error_as_cause() -> None:
    with pytest.raises(InvalidStationId) as raised:
        station_id_from_path("/%FF")
    assert isinstance(raised.value.__cause__, UnicodeDecodeError)


@pytest.mark.parametrize("path", ["/CP%zz", "/CP%2", "/CP%"])
def test_malformed_percent_encoding_is_refused(path: str) -> None:
    with pytest.raises(InvalidStationId):
        station_id_from_path(path)
