"""The accounting CSV: one row per session, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from csms_api.blueprints.billing import CSV_COLUMNS, csv_row


def test_a_row_has_the_totals_and_the_notes() -> None:
    session = {
        "id": "CP-1:7",
        "chargePointId": "CP-1",
        "energyWh": 8000,
        "cost": {"currency": "EUR", "totalCost": {"excl_vat": 2.4, "incl_vat": 2.88}},
        "tariffIds": ["a", "b"],
        "energyNotes": ["meter reset", "2 duplicate reading(s) ignored"],
        "flagged": False,
    }
    row = dict(zip(CSV_COLUMNS, csv_row(session), strict=True))

    assert (row["id"], row["energyWh"], row["currency"], row["totalExclVat"], row["totalInclVat"]) == (
        "CP-1:7",
        "8000",
        "EUR",
        "2.4",
        "2.88",
    )
    assert row["tariffIds"] == "a b"
    assert row["energyNotes"] == "meter reset | 2 duplicate reading(s) ignored"
    assert row["endTime"] == ""


def test_values_that_could_start_a_formula_are_quoted() -> None:
    row = dict(
        zip(
            CSV_COLUMNS,
            csv_row({"id": "=HYPERLINK(1)", "idToken": "+A1", "chargePointId": "@x"}),
            strict=True,
        )
    )

    assert (row["id"], row["idToken"], row["chargePointId"]) == ("'=HYPERLINK(1)", "'+A1", "'@x")
