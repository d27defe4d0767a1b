"""A finished session as an OCPI 2.2.1 CDR (Charge Detail Record), ready for a roaming module.

Known gap, stated rather than invented: this CSMS has no sites yet, so ``cdr_location`` carries the
station and EVSE but no address, city, country or coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any, NamedTuple

from csms_common.billing.cost import CostBreakdown
from csms_common.billing.money import amount, round_half_up
from csms_common.billing.tariffs import Dimension, Tariff

_TOKEN_TYPES = {"ISO14443": "RFID", "ISO15693": "RFID", "eMAID": "APP_USER", "Central": "OTHER"}
_NATURE = {"Transaction.Begin": "Start", "Transaction.End": "End"}


class PartyId(NamedTuple):
    """The operator's OCPI identity (ISO 3166 alpha-2 country code, 3-character party id)."""

    country_code: str
    party_id: str


def _volume(breakdown: CostBreakdown, dimension: Dimension) -> float | int:
    total = sum(
        (line.volume(line.quantity) for line in breakdown.lines if line.dimension is dimension), Fraction(0)
    )
    return amount(round_half_up(total, 4)) if total else 0


def _price(breakdown: CostBreakdown, dimension: Dimension | None = None) -> dict[str, Any]:
    excl, incl = breakdown.total(dimension)
    return {"excl_vat": amount(excl), "incl_vat": amount(incl)}


def _signed_data(session: Mapping[str, Any]) -> dict[str, Any] | None:
    values = session.get("signedMeterValues") or []
    if not values:
        return None
    signed_values = []
    encoding = "OCMF"
    for value in values:
        data = value.get("signedMeterValue")
        if isinstance(data, Mapping):
            encoding = str(data.get("encodingMethod", encoding))
            signed, public_key = data.get("signedMeterData"), data.get("publicKey")
        else:
            signed, public_key = data, None
        entry = {
            "nature": _NATURE.get(str(value.get("context")), "Intermediate"),
            "plain_data": "",
            "signed_data": str(signed or ""),
        }
        if public_key:
            entry["public_key"] = public_key
        signed_values.append(entry)
    return {"encoding_method": encoding, "signed_values": signed_values}


def build_cdr(
    session: Mapping[str, Any],
    breakdown: CostBreakdown,
    tariffs: Sequence[Tariff],
    party: PartyId,
    now: datetime,
) -> dict[str, Any]:
    evse = session.get("evseId")
    cdr: dict[str, Any] = {
        "country_code": party.country_code,
        "party_id": party.party_id,
        "id": session["id"],
        "start_date_time": session["startTime"],
        "end_date_time": session["endTime"],
        "session_id": session["id"],
        "cdr_token": {
            "country_code": party.country_code,
            "party_id": party.party_id,
            "uid": session.get("idToken") or "",
            "type": _TOKEN_TYPES.get(str(session.get("idTokenType")), "OTHER"),
            "contract_id": session.get("idToken") or "",
        },
        "auth_method": "COMMAND" if session.get("remoteStartMessageId") else "AUTH_REQUEST",
        "cdr_location": {
            "id": session["chargePointId"],
            "evse_uid": f"{session['chargePointId']}-{evse}",
            "evse_id": f"{session['chargePointId']}*{evse}",
            "connector_id": str(session.get("connectorId") or evse or 1),
        },
        "currency": breakdown.currency,
        "tariffs": [tariff.document for tariff in tariffs],
        "charging_periods": [
            {
                "start_date_time": period.start.isoformat().replace("+00:00", "Z"),
                "dimensions": [
                    {"type": d.dimension.value, "volume": amount(round_half_up(d.volume, 4))}
                    for d in period.dimensions
                ],
                **({"tariff_id": period.tariff_id} if period.tariff_id else {}),
            }
            for period in breakdown.periods
        ],
        "total_cost": _price(breakdown),
        "total_fixed_cost": _price(breakdown, Dimension.FLAT),
        "total_energy": amount(round_half_up(_session_quantity(session, "energyWh", 1000), 4)),
        "total_energy_cost": _price(breakdown, Dimension.ENERGY),
        "total_time": amount(round_half_up(_session_quantity(session, "durationSeconds", 3600), 4)),
        "total_time_cost": _price(breakdown, Dimension.TIME),
        "total_parking_time": _volume(breakdown, Dimension.PARKING_TIME),
        "total_parking_cost": _price(breakdown, Dimension.PARKING_TIME),
        "last_updated": now.isoformat().replace("+00:00", "Z"),
    }
    signed = _signed_data(session)
    if signed is not None:
        cdr["signed_data"] = signed
    if session.get("energyNotes"):
        cdr["remark"] = "; ".join(session["energyNotes"])[:255]
    return cdr


def _session_quantity(session: Mapping[str, Any], key: str, per_unit: int) -> Fraction:
    """A session number (Wh, seconds) in OCPI's unit (kWh, hours), from its exact decimal text."""
    return Fraction(str(session.get(key) or 0)) / per_unit
