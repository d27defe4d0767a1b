"""One charging-profile model, parsed from the API's JSON and translated to OCPP 1.6 and 2.0.1 payloads.

The API shape::

    {"id": 7, "stackLevel": 0, "purpose": "TxProfile", "kind": "Absolute", "evseId": 1,
     "transactionId": "abc", "schedule": {"rateUnit": "A", "startSchedule": "2026-01-01T00:00:00Z",
     "periods": [{"start": 0, "limit": 16, "phases": 3}]}}

``purpose`` uses 2.0.1's names (``ChargingStationMaxProfile`` is 1.6's ``ChargePointMaxProfile``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from csms_common.billing.readings import parse_time

MAX_PERIODS = 24
MAX_STACK_LEVEL = 100
MAX_PROFILE_ID = 2**31 - 1
MAX_LIMIT = {"A": 10_000.0, "W": 10_000_000.0}


class InvalidProfile(ValueError):
    """A charging profile the CSMS refuses (or cannot say in a version), with the reason."""


class Purpose(StrEnum):
    STATION_MAX = "ChargingStationMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class Kind(StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


@dataclass(frozen=True)
class Period:
    start: int
    limit: float
    phases: int | None = None


@dataclass(frozen=True)
class Profile:
    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    evse_id: int
    rate_unit: str
    periods: tuple[Period, ...]
    transaction_id: str | None = None
    start_schedule: datetime | None = None
    duration: int | None = None
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        schedule: dict[str, Any] = {
            "rateUnit": self.rate_unit,
            "periods": [_period_json(p) for p in self.periods],
        }
        if self.start_schedule is not None:
            schedule["startSchedule"] = _iso(self.start_schedule)
        if self.duration is not None:
            schedule["duration"] = self.duration
        body: dict[str, Any] = {
            "id": self.id,
            "stackLevel": self.stack_level,
            "purpose": str(self.purpose),
            "kind": str(self.kind),
            "evseId": self.evse_id,
            "schedule": schedule,
        }
        for name, value in (
            ("transactionId", self.transaction_id),
            ("recurrency", self.recurrency),
            ("validFrom", self.valid_from and _iso(self.valid_from)),
            ("validTo", self.valid_to and _iso(self.valid_to)),
        ):
            if value is not None:
                body[name] = value
        return body


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _period_json(period: Period) -> dict[str, Any]:
    body: dict[str, Any] = {"start": period.start, "limit": period.limit}
    if period.phases is not None:
        body["phases"] = period.phases
    return body


def _int(body: Mapping[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidProfile(f"{name} must be an integer from {low} to {high}")
    return value


def _time(body: Mapping[str, Any], name: str) -> datetime | None:
    if name not in body:
        return None
    try:
        return parse_time(body[name])
    except ValueError as error:
        raise InvalidProfile(f"{name}: {error}") from None


def _periods(body: Any, rate_unit: str) -> tuple[Period, ...]:
    if not isinstance(body, list) or not 0 < len(body) <= MAX_PERIODS:
        raise InvalidProfile(f"schedule.periods must be a list of 1-{MAX_PERIODS} periods")
    periods: list[Period] = []
    for index, item in enumerate(body):
        if not isinstance(item, Mapping) or not set(item) <= {"start", "limit", "phases"}:
            raise InvalidProfile(f"periods[{index}] must be {{start, limit, phases?}}")
        start = _int(item, "start", 0, 10 * 365 * 86400)
        if index == 0 and start != 0:
            raise InvalidProfile("periods[0].start must be 0")
        if periods and start <= periods[-1].start:
            raise InvalidProfile(f"periods[{index}].start is not after the previous start")
        limit = item.get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int | float) or not math.isfinite(limit):
            raise InvalidProfile(f"periods[{index}].limit must be a number")
        if not 0 <= limit <= MAX_LIMIT[rate_unit]:
            raise InvalidProfile(
                f"periods[{index}].limit must be from 0 to {MAX_LIMIT[rate_unit]:g} {rate_unit}"
            )
        phases = item.get("phases")
        if phases is not None and (isinstance(phases, bool) or phases not in (1, 3)):
            raise InvalidProfile(f"periods[{index}].phases must be 1 or 3")
        periods.append(Period(start, float(limit), phases))
    return tuple(periods)


def parse_profile(body: Any) -> Profile:
    """The API's JSON → a :class:`Profile`, or :class:`InvalidProfile` with the reason."""
    if not isinstance(body, Mapping):
        raise InvalidProfile("profile must be an object")
    unknown = set(body) - {
        "id", "stackLevel", "purpose", "kind", "evseId", "transactionId", "schedule", "recurrency",
        "validFrom", "validTo",
    }  # fmt: skip
    if unknown:
        raise InvalidProfile(f"unknown fields {sorted(unknown)}")
    try:
        purpose = Purpose(str(body.get("purpose")))
        kind = Kind(body.get("kind", "Absolute"))
    except ValueError:
        raise InvalidProfile(
            f"purpose must be one of {[str(p) for p in Purpose]}, kind one of {[str(k) for k in Kind]}"
        ) from None
    schedule = body.get("schedule")
    if not isinstance(schedule, Mapping) or not set(schedule) <= {
        "rateUnit",
        "startSchedule",
        "duration",
        "periods",
    }:
        raise InvalidProfile("schedule must be {rateUnit, periods, startSchedule?, duration?}")
    rate_unit = schedule.get("rateUnit")
    if rate_unit not in ("A", "W"):
        raise InvalidProfile("schedule.rateUnit must be A or W")
    transaction_id = body.get("transactionId")
    if transaction_id is not None and (
        not isinstance(transaction_id, str) or not 0 < len(transaction_id) <= 36
    ):
        raise InvalidProfile("transactionId must be a string of 1-36 characters")
    if (purpose is Purpose.TX) != (transaction_id is not None):
        raise InvalidProfile("transactionId is required for a TxProfile and only there")
    evse_id = _int(body, "evseId", 0, 1000, default=0)
    if purpose is Purpose.STATION_MAX and evse_id != 0:
        raise InvalidProfile("a ChargingStationMaxProfile applies to evseId 0")
    if purpose is Purpose.TX and evse_id == 0:
        raise InvalidProfile("a TxProfile needs the evseId of its transaction")
    start_schedule = _time(schedule, "startSchedule")
    recurrency = body.get("recurrency")
    if kind is Kind.RECURRING and recurrency not in ("Daily", "Weekly"):
        raise InvalidProfile("a Recurring profile needs recurrency Daily or Weekly")
    if kind is not Kind.RECURRING and recurrency is not None:
        raise InvalidProfile("recurrency is only for Recurring profiles")
    if kind is not Kind.RELATIVE and start_schedule is None:
        raise InvalidProfile(f"an {kind} profile needs schedule.startSchedule")
    if kind is Kind.RELATIVE and start_schedule is not None:
        raise InvalidProfile("a Relative profile has no schedule.startSchedule")
    duration = _int(schedule, "duration", 1, 10 * 365 * 86400) if "duration" in schedule else None
    valid_from, valid_to = _time(body, "validFrom"), _time(body, "validTo")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidProfile("validTo must be after validFrom")
    return Profile(
        id=_int(body, "id", 1, MAX_PROFILE_ID),
        stack_level=_int(body, "stackLevel", 0, MAX_STACK_LEVEL, default=0),
        purpose=purpose,
        kind=kind,
        evse_id=evse_id,
        rate_unit=rate_unit,
        periods=_periods(schedule.get("periods"), rate_unit),
        transaction_id=transaction_id,
        start_schedule=start_schedule,
        duration=duration,
        recurrency=recurrency,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _ocpp_periods(profile: Profile) -> list[dict[str, Any]]:
    periods: list[dict[str, Any]] = []
    for period in profile.periods:
        item: dict[str, Any] = {"startPeriod": period.start, "limit": period.limit}
        if period.phases is not None:
            item["numberPhases"] = period.phases
        periods.append(item)
    return periods


def _ocpp_schedule(profile: Profile) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": profile.rate_unit,
        "chargingSchedulePeriod": _ocpp_periods(profile),
    }
    if profile.start_schedule is not None:
        schedule["startSchedule"] = _iso(profile.start_schedule)
    if profile.duration is not None:
        schedule["duration"] = profile.duration
    return schedule


def _validity(profile: Profile, body: dict[str, Any]) -> None:
    if profile.recurrency is not None:
        body["recurrencyKind"] = profile.recurrency
    if profile.valid_from is not None:
        body["validFrom"] = _iso(profile.valid_from)
    if profile.valid_to is not None:
        body["validTo"] = _iso(profile.valid_to)


def to_v16(profile: Profile) -> dict[str, Any]:
    """SetChargingProfile.req for OCPP 1.6 (its transactionId is an integer; the connector is the EVSE)."""
    purpose = "ChargePointMaxProfile" if profile.purpose is Purpose.STATION_MAX else str(profile.purpose)
    body: dict[str, Any] = {
        "chargingProfileId": profile.id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": str(profile.kind),
        "chargingSchedule": _ocpp_schedule(profile),
    }
    if profile.transaction_id is not None:
        try:
            body["transactionId"] = int(profile.transaction_id)
        except ValueError:
            raise InvalidProfile(
                f"transactionId {profile.transaction_id!r} is not a 1.6 (integer) id"
            ) from None
    _validity(profile, body)
    return {"connectorId": profile.evse_id, "csChargingProfiles": body}


def to_v201(profile: Profile) -> dict[str, Any]:
    """SetChargingProfileRequest for OCPP 2.0.1 (one schedule, id 1)."""
    body: dict[str, Any] = {
        "id": profile.id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": str(profile.purpose),
        "chargingProfileKind": str(profile.kind),
        "chargingSchedule": [{"id": 1, **_ocpp_schedule(profile)}],
    }
    if profile.transaction_id is not None:
        body["transactionId"] = profile.transaction_id
    _validity(profile, body)
    return {"evseId": profile.evse_id, "chargingProfile": body}


def to_version(profile: Profile, version: str) -> dict[str, Any]:
    """The SetChargingProfile payload for an OCPP version ("1.6" or "2.0.1"/"2.1")."""
    return to_v16(profile) if version.startswith("1.6") else to_v201(profile)


def tx_profile(
    profile_id: int, evse_id: int, transaction_id: str, amps: float, phases: int | None, stack_level: int = 1
) -> Profile:
    """The allocator's profile: a Relative TxProfile holding the transaction at ``amps`` per phase."""
    return Profile(
        id=profile_id,
        stack_level=stack_level,
        purpose=Purpose.TX,
        kind=Kind.RELATIVE,
        evse_id=evse_id,
        rate_unit="A",
        periods=(Period(0, round(amps, 1), phases),),
        transaction_id=transaction_id,
    )


def failsafe_profile(profile_id: int, amps: float, phases: int | None = None) -> Profile:
    """The profile set on connect: new transactions start at ``amps`` until the allocator speaks."""
    return Profile(
        id=profile_id,
        stack_level=0,
        purpose=Purpose.TX_DEFAULT,
        kind=Kind.RELATIVE,
        evse_id=0,
        rate_unit="A",
        periods=(Period(0, round(amps, 1), phases),),
    )
