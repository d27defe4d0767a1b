"""CSMS→station calls built per version, checked against the official schemas."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from csms_common.ocpp.builders import (
    DEFAULT_ID_TOKEN_TYPE,
    MAX_REMOTE_START_ID,
    new_remote_start_id,
    remote_start,
    remote_stop,
)
from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.frames import MAX_MESSAGE_ID_LENGTH, Call, parse_frame
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion

V16, V20, V201 = OcppVersion.V16, OcppVersion.V20, OcppVersion.V201


def test_constants() -> None:
    assert DEFAULT_ID_TOKEN_TYPE == "ISO14443"
    assert MAX_REMOTE_START_ID == 2_147_483_647


@pytest.mark.parametrize(
    ("version", "id_tag", "connector_id", "expected"),
    [
        (V16, "TAG1", 1, Call("m1", "RemoteStartTransaction", {"connectorId": 1, "idTag": "TAG1"})),
        (V16, "TAG1", 2, Call("m1", "RemoteStartTransaction", {"connectorId": 2, "idTag": "TAG1"})),
        (
            V201,
            "TAG1",
            1,
            Call(
                "m1",
                "RequestStartTransaction",
                {"idToken": {"idToken": "TAG1", "type": "ISO14443"}, "evseId": 1, "remoteStartId": 42},
            ),
        ),
        (
            V201,
            None,
            3,
            Call(
                "m1",
                "RequestStartTransaction",
                {"idToken": {"idToken": "", "type": "NoAuthorization"}, "evseId": 3, "remoteStartId": 42},
            ),
        ),
        (
            V20,
            "TAG1",
            1,
            Call(
                "m1",
                "RequestStartTransaction",
                {"idToken": {"idToken": "TAG1", "type": "ISO14443"}, "evseId": 1, "remoteStartId": 42},
            ),
        ),
    ],
)
def test_remote_start(
    schemas: SchemaRegistry, version: OcppVersion, id_tag: str | None, connector_id: int, expected: Call
) -> None:
    call = remote_start(
        version, id_tag=id_tag, connector_id=connector_id, remote_start_id=42, message_id="m1"
    )
    assert call == expected
    schemas.validate_request(version, call.action, call.payload)
    assert parse_frame(call.to_json()) == call


def test_v16_remote_start_without_id_tag_omits_it_and_breaks_the_schema(schemas: SchemaRegistry) -> None:
    """1.6 requires idTag: the builder leaves it out and callers must refuse such a start first."""
    call = remote_start(V16, id_tag=None, connector_id=1, remote_start_id=42, message_id="m1")
    assert call == Call("m1", "RemoteStartTransaction", {"connectorId": 1})
    with pytest.raises(OcppError) as raised:
        schemas.validate_request(V16, call.action, call.payload)
    assert raised.value.kind is ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION


@pytest.mark.parametrize(
    ("version", "transaction_id", "expected"),
    [
        (V16, "17", Call("m1", "RemoteStopTransaction", {"transactionId": 17})),
        (V16, "0", Call("m1", "RemoteStopTransaction", {"transactionId": 0})),
        (V201, "17", Call("m1", "RequestStopTransaction", {"transactionId": "17"})),
        (V201, "tx-7c1e", Call("m1", "RequestStopTransaction", {"transactionId": "tx-7c1e"})),
        (V20, "tx-1", Call("m1", "RequestStopTransaction", {"transactionId": "tx-1"})),
        (V201, "t" * 36, Call("m1", "RequestStopTransaction", {"transactionId": "t" * 36})),
    ],
)
def test_remote_stop(
    schemas: SchemaRegistry, version: OcppVersion, transaction_id: str, expected: Call
) -> None:
    call = remote_stop(version, transaction_id=transaction_id, message_id="m1")
    assert call == expected
    schemas.validate_request(version, call.action, call.payload)
    assert parse_frame(call.to_json()) == call


@pytest.mark.parametrize("transaction_id", ["tx-1", "1.5", ""])
def test_v16_remote_stop_needs_an_integer_id(transaction_id: str) -> None:
    with pytest.raises(ValueError):
        remote_stop(V16, transaction_id=transaction_id)


def test_v201_remote_stop_with_a_too_long_id_breaks_the_schema(schemas: SchemaRegistry) -> None:
    call = remote_stop(V201, transaction_id="t" * 37, message_id="m1")
    with pytest.raises(OcppError) as raised:
        schemas.validate_request(V201, call.action, call.payload)
    assert raised.value.kind is ErrorKind.PROPERTY_CONSTRAINT_VIOLATION


@pytest.mark.parametrize(
    "build",
    [
        lambda: remote_start(V201, id_tag="T", connector_id=1, remote_start_id=1),
        lambda: remote_start(V16, id_tag="T", connector_id=1, remote_start_id=1),
        lambda: remote_stop(V201, transaction_id="tx"),
        lambda: remote_stop(V16, transaction_id="1"),
    ],
)
def test_a_fresh_message_id_is_used_when_none_is_given(build: Callable[[], Call]) -> None:
    first, second = build(), build()
    assert first.message_id != second.message_id
    assert len(first.message_id) == MAX_MESSAGE_ID_LENGTH


def test_new_remote_start_id_stays_in_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "randbelow", lambda bound: 0)
    assert new_remote_start_id() == 1
    monkeypatch.setattr(secrets, "randbelow", lambda bound: bound - 1)
    assert new_remote_start_id() == MAX_REMOTE_START_ID


def test_new_remote_start_id_is_positive_and_validates(schemas: SchemaRegistry) -> None:
    ids = {new_remote_start_id() for _ in range(50)}
    assert len(ids) > 1
    assert all(1 <= value <= MAX_REMOTE_START_ID for value in ids)
    call = remote_start(V201, id_tag=None, connector_id=1, remote_start_id=max(ids))
    schemas.validate_request(V201, call.action, call.payload)
