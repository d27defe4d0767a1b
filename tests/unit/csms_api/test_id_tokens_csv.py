"""The id-token CSV export's rows."""

from __future__ import annotations

from csms_api.blueprints.id_tokens import CSV_COLUMNS, csv_row


def test_a_full_record_fills_every_column_in_order() -> None:
    record = {
        "idToken": "TAG-1",
        "status": "Accepted",
        "expiryDate": "2027-01-01T00:00:00Z",
        "groupIdToken": "FLEET",
        "evseIds": [1, 3],
        "chargingPriority": 2,
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }

    row = csv_row(record)

    assert dict(zip(CSV_COLUMNS, row, strict=True)) == {**record, "evseIds": "1 3", "chargingPriority": "2"}


def test_missing_fields_are_empty_cells() -> None:
    assert csv_row({"idToken": "T", "status": "Blocked", "updatedAt": "x"}) == [
        "T",
        "Blocked",
        "",
        "",
        "",
        "",
        "x",
    ]


def test_a_value_a_spreadsheet_would_run_is_quoted() -> None:
    assert csv_row({"idToken": "=HYPERLINK(1)", "status": "Accepted", "groupIdToken": "+1"})[:4] == [
        "'=HYPERLINK(1)",
        "Accepted",
        "",
        "'+1",
    ]
