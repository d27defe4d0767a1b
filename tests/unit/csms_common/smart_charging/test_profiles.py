"""One profile model: the API's JSON in, OCPP 1.6 and 2.0.1 SetChargingProfile payloads out (schema-checked)."""

from __future__ import annotations

from typing import Any

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_common.smart_charging.profiles import (
    InvalidProfile,
    failsafe_profile,
    parse_profile,
    to_v16,
    to_v201,
    tx_profile,
)

TX = {
    "id": 7,
    "stackLevel": 2,
    "purpose": "TxProfile",
    "kind": "Absolute",
    "evseId": 1,
    "transactionId": "42",
    "schedule": {
        "rateUnit": "A",
        "startSchedule": "2026-01-01T00:00:00Z",
        "periods": [{"start": 0, "limit": 16.0, "phases": 3}, {"start": 3600, "limit": 8.0}],
    },
}


def test_tx_profile_in_both_versions(schemas: SchemaRegistry) -> None:
    profile = parse_profile(TX)
    assert profile.as_json() == TX
    v16 = to_v16(profile)
    assert v16 == {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 7,
            "stackLevel": 2,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "transactionId": 42,
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "startSchedule": "2026-01-01T00:00:00Z",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                    {"startPeriod": 3600, "limit": 8.0},
                ],
            },
        },
    }
    v201 = to_v201(profile)
    assert v201["evseId"] == 1
    assert v201["chargingProfile"]["transactionId"] == "42"
    assert (
        v201["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"]
        == (v16["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"])
    )
    _valid(schemas, "1.6", v16)
    _valid(schemas, "2.0.1", v201)


def _valid(schemas: SchemaRegistry, version: str, payload: dict[str, Any]) -> None:
    schemas.validate_request(OcppVersion(version), "SetChargingProfile", payload)


def test_station_max_is_charge_point_max_in_16(schemas: SchemaRegistry) -> None:
    body = {**TX, "purpose": "ChargingStationMaxProfile", "evseId": 0, "kind": "Relative"}
    body.pop("transactionId")
    body["schedule"] = {"rateUnit": "W", "periods": [{"start": 0, "limit": 22000}]}
    profile = parse_profile(body)
    assert to_v16(profile)["csChargingProfiles"]["chargingProfilePurpose"] == "ChargePointMaxProfile"
    assert to_v201(profile)["chargingProfile"]["chargingProfilePurpose"] == "ChargingStationMaxProfile"
    _valid(schemas, "1.6", to_v16(profile))
    _valid(schemas, "2.0.1", to_v201(profile))


def test_allocator_profiles_are_valid(schemas: SchemaRegistry) -> None:
    for profile in (tx_profile(1001, 1, "17", 10.66, 3), failsafe_profile(1000, 6.0)):
        _valid(schemas, "1.6", to_v16(profile))
        _valid(schemas, "2.0.1", to_v201(profile))
    assert to_v201(tx_profile(1001, 1, "17", 10.66, 3))["chargingProfile"]["chargingSchedule"][0][
        "chargingSchedulePeriod"
    ] == [{"startPeriod": 0, "limit": 10.7, "numberPhases": 3}]


def test_a_16_profile_needs_an_integer_transaction_id() -> None:
    with pytest.raises(InvalidProfile, match="integer"):
        to_v16(parse_profile({**TX, "transactionId": "tx-abc"}))


def _without(name: str) -> dict[str, Any]:
    return {k: v for k, v in TX.items() if k != name}


def _schedule(**fields: Any) -> dict[str, Any]:
    return {**TX, "schedule": {**TX["schedule"], **fields}}  # type: ignore[dict-item]


REFUSED: list[tuple[str, Any, str]] = [
    ("not-object", [], "object"),
    ("no-purpose", _without("purpose"), "purpose"),
    ("tx-without-transaction", _without("transactionId"), "transactionId is required"),
    ("default-with-transaction", {**TX, "purpose": "TxDefaultProfile"}, "only there"),
    ("negative-limit", _schedule(periods=[{"start": 0, "limit": -1}]), "limit must be from 0"),
    ("huge-limit", _schedule(periods=[{"start": 0, "limit": 1e6}]), "limit must be from 0"),
    ("first-not-zero", _schedule(periods=[{"start": 10, "limit": 1}]), "must be 0"),
    (
        "not-increasing",
        _schedule(periods=[{"start": 0, "limit": 1}, {"start": 0, "limit": 2}]),
        "not after",
    ),
    ("no-periods", _schedule(periods=[]), "1-24"),
    ("too-many-periods", _schedule(periods=[{"start": i, "limit": 1} for i in range(25)]), "1-24"),
    ("bad-unit", _schedule(rateUnit="kW"), "rateUnit"),
    ("two-phases", _schedule(periods=[{"start": 0, "limit": 1, "phases": 2}]), "phases"),
    ("absolute-without-start", _schedule(startSchedule=None), "startSchedule"),
    ("recurring-without-kind", {**TX, "kind": "Recurring"}, "recurrency"),
    ("max-on-an-evse", {**_without("transactionId"), "purpose": "ChargingStationMaxProfile"}, "evseId 0"),
    ("tx-on-evse-0", {**TX, "evseId": 0}, "evseId"),
    ("id-zero", {**TX, "id": 0}, "id must"),
    ("stack-too-high", {**TX, "stackLevel": 101}, "stackLevel"),
    ("unknown-field", {**TX, "colour": 1}, "unknown"),
    (
        "valid-to-before-from",
        {**TX, "validFrom": "2026-01-02T00:00:00Z", "validTo": "2026-01-01T00:00:00Z"},
        "validTo",
    ),
]


@pytest.mark.parametrize(("body", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_profiles(body: Any, reason: str) -> None:
    if isinstance(body, dict) and body.get("schedule", {}).get("startSchedule", "") is None:
        body = {**body, "schedule": {k: v for k, v in body["schedule"].items() if k != "startSchedule"}}
    with pytest.raises(InvalidProfile, match=reason):
        parse_profile(body)
