"""Stations that apply charging profiles, as the smart-charging tests need: they remember the last
TxProfile limit per transaction and the TxDefaultProfile, and answer Accepted (or what they are told)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201

from tests.support.stations import Station16, Station201, booted


@dataclass(frozen=True)
class Applied:
    purpose: str
    transaction_id: str | None
    limit: float
    at: float


class ProfileMemory:
    """What a station was told: every profile, in order, with the loop time it came. ``answer`` is the
    status it gives (Accepted, Rejected), or ``CallError`` (2.0.1: it answers with an InternalError)."""

    def __init__(self, answer: str = "Accepted") -> None:
        self.answer = answer
        self.applied: list[Applied] = []
        self.cleared: list[dict[str, Any]] = []

    def remember(self, purpose: str, transaction_id: Any, schedule: dict[str, Any]) -> None:
        limit = float(schedule["charging_schedule_period"][0]["limit"])
        tx = None if transaction_id is None else str(transaction_id)
        self.applied.append(Applied(purpose, tx, limit, asyncio.get_running_loop().time()))

    def tx_limit(self, transaction_id: str) -> float | None:
        limits = [
            a.limit for a in self.applied if a.purpose == "TxProfile" and a.transaction_id == transaction_id
        ]
        return limits[-1] if limits else None

    def in_force(self) -> float:
        """What this simple station would draw at most now: its newest Tx (else TxDefault) limit, else 32 A."""
        for applied in reversed(self.applied):
            if applied.purpose in ("TxProfile", "TxDefaultProfile"):
                return applied.limit
        return 32.0

    def default_limit(self) -> float | None:
        limits = [a.limit for a in self.applied if a.purpose == "TxDefaultProfile"]
        return limits[-1] if limits else None


class ChargingStation201(Station201):
    def __init__(self, *args: Any, answer: str = "Accepted", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles = ProfileMemory(answer)
        self.installed: dict[int, tuple[int, dict[str, Any]]] = {}
        """Profile id -> (EVSE id, the profile as received): what it reports to GetChargingProfiles."""
        self._reports: set[asyncio.Task[Any]] = set()

    @on("GetChargingProfiles")
    async def on_get_charging_profiles(
        self, request_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> Any:
        """Accepted, then one ReportChargingProfiles per EVSE with the installed profiles (K09)."""
        by_evse: dict[int, list[dict[str, Any]]] = {}
        for evse_id, profile in self.installed.values():
            by_evse.setdefault(evse_id, []).append(profile)
        task = asyncio.ensure_future(self._report(request_id, by_evse))
        self._reports.add(task)
        task.add_done_callback(self._reports.discard)
        return call_result201.GetChargingProfiles(status="Accepted" if by_evse else "NoProfiles")

    async def _report(self, request_id: int, by_evse: dict[int, list[dict[str, Any]]]) -> None:
        await asyncio.sleep(0)  # after the answer
        for number, (evse_id, profiles) in enumerate(sorted(by_evse.items())):
            await self.call(
                call201.ReportChargingProfiles(
                    request_id=request_id,
                    charging_limit_source="CSO",
                    charging_profile=profiles,
                    evse_id=evse_id,
                    tbc=number < len(by_evse) - 1,
                )
            )

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any], **_: Any) -> Any:
        self.installed[int(charging_profile["id"])] = (evse_id, charging_profile)
        self.profiles.remember(
            charging_profile["charging_profile_purpose"],
            charging_profile.get("transaction_id"),
            charging_profile["charging_schedule"][0],
        )
        if self.profiles.answer == "CallError":
            raise InternalError(description="this station answers every profile with a CallError")
        return call_result201.SetChargingProfile(status=self.profiles.answer)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **payload: Any) -> Any:
        self.profiles.cleared.append(payload)
        return call_result201.ClearChargingProfile(status="Accepted")

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, duration: int, evse_id: int, **_: Any) -> Any:
        schedule = {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": _now(),
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": self.profiles.in_force()}],
        }
        return call_result201.GetCompositeSchedule(status="Accepted", schedule=schedule)

    async def start_transaction(self, transaction_id: str, seq_no: int = 0) -> None:
        await self.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=_now(),
                trigger_reason="Authorized",
                seq_no=seq_no,
                transaction_info={"transaction_id": transaction_id},
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": f"TAG-{transaction_id}", "type": "ISO14443"},
            )
        )

    async def report_current(
        self, transaction_id: str, seq_no: int, amps: float, timestamp: str, phases: int = 3
    ) -> None:
        """A periodic meter value of the transaction: ``amps`` on each of the EV's ``phases`` (from L1),
        0 on the others."""
        sampled = [
            {
                "value": amps if index < phases else 0.0,
                "measurand": "Current.Import",
                "phase": phase,
                "unit_of_measure": {"unit": "A"},
            }
            for index, phase in enumerate(("L1", "L2", "L3"))
        ]
        await self.call(
            call201.TransactionEvent(
                event_type="Updated",
                timestamp=timestamp,
                trigger_reason="MeterValuePeriodic",
                seq_no=seq_no,
                transaction_info={"transaction_id": transaction_id},
                evse={"id": 1, "connector_id": 1},
                meter_value=[{"timestamp": timestamp, "sampled_value": sampled}],
            )
        )

    async def notify_limit(self, amps: float) -> None:
        """An external limit on EVSE 1 (as if the site's EMS had set it), amps per phase."""
        await self.call(
            call201.NotifyChargingLimit(
                charging_limit={"charging_limit_source": "EMS"},
                evse_id=1,
                charging_schedule=[
                    {
                        "id": 1,
                        "charging_rate_unit": "A",
                        "charging_schedule_period": [{"start_period": 0, "limit": amps}],
                    }
                ],
            )
        )

    async def clear_limit(self) -> None:
        await self.call(call201.ClearedChargingLimit(charging_limit_source="EMS", evse_id=1))

    async def notify_needs(
        self,
        max_current: float,
        transfer: str = "AC_three_phase",
        energy_wh: int = 20000,
        departure: str | None = None,
        min_current: float = 6,
    ) -> str:
        """ISO 15118 charging needs of the EV on EVSE 1 (AC, three phases by default); the CSMS's status."""
        needs: dict[str, Any] = {
            "requested_energy_transfer": transfer,
            "ac_charging_parameters": {
                "energy_amount": energy_wh,
                "ev_min_current": min_current,
                "ev_max_current": max_current,
                "ev_max_voltage": 400,
            },
        }
        if departure is not None:
            needs["departure_time"] = departure
        answer = await self.call(call201.NotifyEVChargingNeeds(evse_id=1, charging_needs=needs))
        return str(answer.status)

    async def notify_schedule(self, periods: list[tuple[int, float]], rate_unit: str = "A") -> str:
        """ISO 15118: the EV's own charging schedule on EVSE 1 from now, ``(start, limit)`` periods."""
        answer = await self.call(
            call201.NotifyEVChargingSchedule(
                time_base=_now(),
                evse_id=1,
                charging_schedule={
                    "id": 1,
                    "charging_rate_unit": rate_unit,
                    "charging_schedule_period": [{"start_period": s, "limit": limit} for s, limit in periods],
                },
            )
        )
        return str(answer.status)

    async def end_transaction(self, transaction_id: str, seq_no: int = 1) -> None:
        await self.call(
            call201.TransactionEvent(
                event_type="Ended",
                timestamp=_now(),
                trigger_reason="StopAuthorized",
                seq_no=seq_no,
                transaction_info={"transaction_id": transaction_id, "stopped_reason": "Local"},
                evse={"id": 1, "connector_id": 1},
            )
        )


class ChargingStation16(Station16):
    def __init__(self, *args: Any, answer: str = "Accepted", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profiles = ProfileMemory(answer)

    @on("SetChargingProfile")
    async def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict[str, Any]) -> Any:
        self.profiles.remember(
            cs_charging_profiles["charging_profile_purpose"],
            cs_charging_profiles.get("transaction_id"),
            cs_charging_profiles["charging_schedule"],
        )
        return call_result16.SetChargingProfile(status=self.profiles.answer)

    @on("ClearChargingProfile")
    async def on_clear_charging_profile(self, **payload: Any) -> Any:
        self.profiles.cleared.append(payload)
        return call_result16.ClearChargingProfile(status="Accepted")

    @on("GetCompositeSchedule")
    async def on_get_composite_schedule(self, connector_id: int, duration: int, **_: Any) -> Any:
        return call_result16.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=_now(),
            charging_schedule={
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": self.profiles.in_force()}],
            },
        )

    async def start_transaction(self) -> str:
        started = await self.call(
            call16.StartTransaction(connector_id=1, id_tag="TAG-16", meter_start=0, timestamp=_now())
        )
        return str(started.transaction_id)

    async def report_current(self, transaction_id: str, amps: float, phases: int = 3) -> None:
        """MeterValues of the transaction on connector 1: ``amps`` on the EV's ``phases``, 0 on the others."""
        sampled = [
            {
                "value": str(amps if index < phases else 0.0),
                "measurand": "Current.Import",
                "phase": phase,
                "unit": "A",
            }
            for index, phase in enumerate(("L1", "L2", "L3"))
        ]
        await self.call(
            call16.MeterValues(
                connector_id=1,
                transaction_id=int(transaction_id),
                meter_value=[{"timestamp": _now(), "sampled_value": sampled}],
            )
        )

    async def end_transaction(self, transaction_id: str) -> None:
        await self.call(
            call16.StopTransaction(meter_stop=1000, timestamp=_now(), transaction_id=int(transaction_id))
        )


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@contextlib.asynccontextmanager
async def charging201(
    gateway_url: str, station_id: str, answer: str = "Accepted"
) -> AsyncIterator[ChargingStation201]:
    async with booted(
        gateway_url, station_id, "2.0.1", functools.partial(ChargingStation201, answer=answer)
    ) as station:
        yield station


@contextlib.asynccontextmanager
async def charging16(
    gateway_url: str, station_id: str, answer: str = "Accepted"
) -> AsyncIterator[ChargingStation16]:
    async with booted(
        gateway_url, station_id, "1.6", functools.partial(ChargingStation16, answer=answer)
    ) as station:
        yield station
