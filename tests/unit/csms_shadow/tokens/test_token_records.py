"""Id-token records: what a PUT body or an import entry may hold, and what a station is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from csms_shadow.tokens.token_records import MAX_EVSE_IDS, MAX_IMPORT, import_records, token_record
from csms_shadow.tokens.tokens import effective_status

AT = "2026-01-01T00:00:00Z"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_full_record_keeps_every_field_with_evse_ids_sorted_and_distinct() -> None:
    body = {
        "idToken": "TAG-1",
        "status": "Accepted",
        "expiryDate": "2027-01-01T00:00:00Z",
        "groupIdToken": "FLEET",
        "evseIds": [3, 1, 3],
        "chargingPriority": 2,
    }

    assert token_record(body, AT) == {
        "idToken": "TAG-1",
        "status": "Accepted",
        "updatedAt": AT,
        "expiryDate": "2027-01-01T00:00:00Z",
        "groupIdToken": "FLEET",
        "evseIds": [1, 3],
        "chargingPriority": 2,
    }


def test_a_minimal_record_has_only_what_was_given() -> None:
    # The shape older readers know: no key for what was not given (evseIds [] means every EVSE).
    assert token_record({"idToken": "T", "status": "Blocked", "evseIds": []}, AT) == {
        "idToken": "T",
        "status": "Blocked",
        "updatedAt": AT,
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "Maybe"}, "status must be one of"),
        ({"idToken": "A B"}, "whitespace"),
        ({"idToken": "x" * 37}, "1 to 36 characters"),
        ({"expiryDate": "tomorrow"}, "expiryDate"),
        ({"expiryDate": "2027-01-01T00:00:00"}, "time zone"),
        ({"groupIdToken": ""}, "1 to 36 characters"),
        ({"evseIds": [0]}, "evseIds"),
        ({"evseIds": [True]}, "evseIds"),
        ({"evseIds": "1"}, "evseIds"),
        ({"evseIds": list(range(1, MAX_EVSE_IDS + 2))}, "evseIds"),
        ({"chargingPriority": 10}, "chargingPriority"),
    ],
)
def test_a_wrong_field_is_refused_with_its_reason(change: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        token_record({"idToken": "TAG-1", "status": "Accepted", **change}, AT)


def test_an_import_names_the_first_wrong_entry() -> None:
    entries = [{"idToken": "A", "status": "Accepted"}, {"idToken": "B", "status": "Nope"}]

    with pytest.raises(ValueError, match=r"idTokens\[1\]: status"):
        import_records(entries, AT)


def test_an_import_refuses_a_token_twice() -> None:
    entries = [{"idToken": "A", "status": "Accepted"}, {"idToken": "A", "status": "Blocked"}]

    with pytest.raises(ValueError, match=r"idTokens\[1\]: A appears more than once"):
        import_records(entries, AT)


@pytest.mark.parametrize(
    "entries", [[], None, {"idToken": "A"}, [{"idToken": "A", "status": "Accepted"}] * 0]
)
def test_an_import_needs_a_non_empty_list(entries: object) -> None:
    with pytest.raises(ValueError, match="idTokens must be a list"):
        import_records(entries, AT)


def test_an_import_has_a_hard_maximum() -> None:
    entries = [{"idToken": f"T{index}", "status": "Accepted"} for index in range(MAX_IMPORT + 1)]

    with pytest.raises(ValueError, match=f"1 to {MAX_IMPORT}"):
        import_records(entries, AT)
    assert len(import_records(entries[:MAX_IMPORT], AT)) == MAX_IMPORT


def test_a_station_is_told_group_and_evses_and_an_accepted_token_past_expiry_is_expired() -> None:
    record = token_record(
        {
            "idToken": "T",
            "status": "Accepted",
            "expiryDate": "2026-05-31T23:59:59Z",
            "groupIdToken": "G",
            "evseIds": [2],
        },
        AT,
    )

    assert effective_status(record, NOW) == {
        "status": "Expired",
        "expiryDate": "2026-05-31T23:59:59Z",
        "groupIdToken": "G",
        "evseIds": [2],
    }
    assert effective_status(dict(record, expiryDate="2026-06-01T00:00:01Z"), NOW)["status"] == "Accepted"
    assert effective_status(None, NOW) == {"status": "Invalid"}
