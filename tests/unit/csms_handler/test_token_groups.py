"""Token groups, expiry and EVSE limits in the answers of Authorize and the transaction messages (1.6, 2.x).

Each reply is checked against the official schema of its version, so a field the version lacks fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import CallContext, Lookups, Payload, TokenStatus, TransactionRecord
from csms_handler.handlers.v16 import V16_ROUTES
from csms_handler.handlers.v201 import V201_ROUTES

V16, V201 = OcppVersion.V16, OcppVersion.V201
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
T0 = "2024-01-02T03:00:00.000Z"
EXPIRY = "2024-12-31T23:59:59.000Z"
TAG = "04A2B3C4"
GROUP = "FLEET-7"
LIMITED = TokenStatus("Accepted", EXPIRY, GROUP, (1, 3))


def _run(version: OcppVersion, action: str, request: Payload, status: TokenStatus, **lookups: Any) -> Payload:
    routes = V16_ROUTES if version is V16 else V201_ROUTES
    context = CallContext("CP-1", version, "m-1", NOW, 300, Lookups(tokens={TAG: status}, **lookups))
    return routes[action].handler(request, context).payload


def _start16(connector_id: int) -> Payload:
    return {"connectorId": connector_id, "idTag": TAG, "meterStart": 0, "timestamp": T0}


def _event201(evse_id: int | None, event_type: str = "Started") -> Payload:
    event: Payload = {
        "eventType": event_type,
        "timestamp": T0,
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1"},
        "idToken": {"idToken": TAG, "type": "ISO14443"},
    }
    if evse_id is not None:
        event["evse"] = {"id": evse_id}
    return event


# ------------------------------------------------------------------------ 1.6


def test_16_answers_carry_the_group_as_parent_id_tag(schemas: SchemaRegistry) -> None:
    status = TokenStatus("Accepted", EXPIRY, GROUP)
    expected = {"status": "Accepted", "expiryDate": EXPIRY, "parentIdTag": GROUP}

    authorized = _run(V16, "Authorize", {"idTag": TAG}, status)
    started = _run(V16, "StartTransaction", _start16(1), status, transaction_id=5)
    stopped = _run(
        V16, "StopTransaction", {"transactionId": 5, "idTag": TAG, "meterStop": 9, "timestamp": T0}, status
    )

    assert authorized == {"idTagInfo": expected}
    assert started == {"transactionId": 5, "idTagInfo": expected}
    assert stopped == {"idTagInfo": expected}
    for action, payload in (
        ("Authorize", authorized),
        ("StartTransaction", started),
        ("StopTransaction", stopped),
    ):
        schemas.validate_response(V16, action, payload)


def test_16_a_group_longer_than_a_parent_id_tag_is_left_out(schemas: SchemaRegistry) -> None:
    long_group = "G" * 21  # 1.6 IdToken: at most 20 characters
    answer = _run(V16, "Authorize", {"idTag": TAG}, TokenStatus("Accepted", None, long_group))

    assert answer == {"idTagInfo": {"status": "Accepted"}}
    schemas.validate_response(V16, "Authorize", answer)


@pytest.mark.parametrize(("connector_id", "status"), [(1, "Accepted"), (3, "Accepted"), (2, "Invalid")])
def test_16_a_tag_limited_to_evses_is_invalid_on_other_connectors(
    schemas: SchemaRegistry, connector_id: int, status: str
) -> None:
    started = _run(V16, "StartTransaction", _start16(connector_id), LIMITED, transaction_id=5)

    assert started["idTagInfo"] == {"status": status, "expiryDate": EXPIRY, "parentIdTag": GROUP}
    schemas.validate_response(V16, "StartTransaction", started)


def test_16_authorize_names_no_connector_so_a_limited_tag_is_accepted_there() -> None:
    assert _run(V16, "Authorize", {"idTag": TAG}, LIMITED)["idTagInfo"]["status"] == "Accepted"


@pytest.mark.parametrize("stored", ["Blocked", "Expired", "Invalid"])
def test_16_a_refused_tag_keeps_its_status_on_any_connector(stored: str) -> None:
    status = TokenStatus(stored, None, None, (1,))

    assert _run(V16, "StartTransaction", _start16(2), status, transaction_id=5)["idTagInfo"] == {
        "status": stored
    }


# ------------------------------------------------------------------------ 2.0.1


def test_201_authorize_tells_group_expiry_and_evses(schemas: SchemaRegistry) -> None:
    answer = _run(V201, "Authorize", {"idToken": {"idToken": TAG, "type": "ISO14443"}}, LIMITED)

    assert answer == {
        "idTokenInfo": {
            "status": "Accepted",
            "cacheExpiryDateTime": EXPIRY,
            "groupIdToken": {"idToken": GROUP, "type": "Central"},
            "evseId": [1, 3],
        }
    }
    schemas.validate_response(V201, "Authorize", answer)


@pytest.mark.parametrize(
    ("evse_id", "status"),
    [(1, "Accepted"), (3, "Accepted"), (2, "NotAtThisLocation"), (None, "Accepted")],
    ids=["listed", "listed-other", "not-listed", "no-evse-named"],
)
@pytest.mark.parametrize("event_type", ["Started", "Updated"])
def test_201_a_token_limited_to_evses_is_not_at_this_location_elsewhere(
    schemas: SchemaRegistry, evse_id: int | None, status: str, event_type: str
) -> None:
    answer = _run(V201, "TransactionEvent", _event201(evse_id, event_type), LIMITED)

    assert answer["idTokenInfo"]["status"] == status
    assert answer["idTokenInfo"]["groupIdToken"] == {"idToken": GROUP, "type": "Central"}
    schemas.validate_response(V201, "TransactionEvent", answer)


def test_201_a_token_without_limits_or_group_gets_the_bare_status(schemas: SchemaRegistry) -> None:
    answer = _run(V201, "TransactionEvent", _event201(2), TokenStatus("Accepted"))

    assert answer == {"idTokenInfo": {"status": "Accepted"}}
    schemas.validate_response(V201, "TransactionEvent", answer)


# ------------------------------------------------------------------------ the lookup's answer


def test_a_lookup_answer_becomes_a_token_status() -> None:
    info = {"status": "Accepted", "expiryDate": EXPIRY, "groupIdToken": GROUP, "evseIds": [1, 3]}

    assert TokenStatus.from_lookup(info) == LIMITED
    assert TokenStatus.from_lookup({"status": "Blocked"}) == TokenStatus("Blocked")
    # An answer from an older shadow service (no group, no EVSEs) or with junk in it is still usable.
    assert TokenStatus.from_lookup({"status": "Accepted", "groupIdToken": 5, "evseIds": "1"}) == TokenStatus(
        "Accepted"
    )


def test_201_the_stopping_token_is_recorded_apart_from_the_starting_one() -> None:
    context = CallContext("CP-1", V201, "m-1", NOW, 300, Lookups(tokens={TAG: LIMITED}))
    started = V201_ROUTES["TransactionEvent"].handler(_event201(1), context)
    stopped = V201_ROUTES["TransactionEvent"].handler(
        dict(_event201(1, "Ended"), triggerReason="StopAuthorized"), context
    )

    started_record = next(effect for effect in started.effects if isinstance(effect, TransactionRecord))
    stopped_record = next(effect for effect in stopped.effects if isinstance(effect, TransactionRecord))
    assert started_record.fields["idToken"]["idToken"] == TAG and "stopIdToken" not in started_record.fields
    # The record's idToken (who started, whom billing attributes the session to) is left alone.
    assert stopped_record.fields["stopIdToken"]["idToken"] == TAG and "idToken" not in stopped_record.fields
