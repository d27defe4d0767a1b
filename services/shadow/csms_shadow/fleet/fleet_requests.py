"""Fleet requests over ``csms/shadow/fleet/fleet-*``: desired state for every station a label selector
matches, and how far such a group is from it (docs/fleet.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from csms_common.labels import parse_selector
from csms_common.topics import RegistryMethod
from csms_shadow.documents.desired import InvalidDesired, check_desired_patch
from csms_shadow.documents.desired_store import DesiredStore
from csms_shadow.documents.document import InvalidShadowUpdate, JsonObject, split_update
from csms_shadow.documents.store import ShadowStore
from csms_shadow.fleet.fleet_batches import FleetBatches
from csms_shadow.fleet.fleet_status import CATEGORIES, FAILED, standing_of
from csms_shadow.fleet.label_index import matching_stations

Answer = tuple[int, JsonObject]
ApplyDesired = Callable[..., Awaitable[list[Answer]]]
"""``(station ids, desired, clear=...)`` → one answer per station."""

MAX_LISTED = 100
"""Stations named in one answer (failures); the others are counted."""


class FleetRequests:
    def __init__(
        self, store: ShadowStore, desired: DesiredStore, apply_desired: ApplyDesired, batches: FleetBatches
    ) -> None:
        self._batches = batches
        self._store = store
        self._desired = desired
        self._apply_desired = apply_desired

    def methods(self) -> dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]]:
        return {
            RegistryMethod.FLEET_DESIRED: self.fleet_desired,
            RegistryMethod.FLEET_STATUS: self.fleet_status,
            RegistryMethod.FLEET_LIST: self.fleet_list,
            RegistryMethod.FLEET_BATCH_PUT: self._batches.put,
            RegistryMethod.FLEET_BATCH_GET: self._batches.get,
        }

    async def fleet_list(self, body: JsonObject) -> Answer:
        """The matching stations (at most ``limit``) with their connection, and how many matched."""
        stations = await self._matching(body.get("selector"))
        limit = int(body.get("limit") or MAX_LISTED)
        listed = [
            {
                "chargePointId": station["chargePointId"],
                "connected": bool(station.get("connected")),
                "protocol": (station.get("connection") or {}).get("protocol"),
            }
            for station in stations[:limit]
        ]
        return 200, {"matched": len(stations), "stations": listed}

    async def _matching(self, selector_text: object) -> list[JsonObject]:
        return await matching_stations(self._store, parse_selector(str(selector_text or "")))

    async def fleet_desired(self, body: JsonObject) -> Answer:
        """``{"selector", "state": {"desired": ...}}``: the same desired patch for every match."""
        try:
            reported, desired = split_update({"state": body.get("state")})
            if reported is not None or desired is None:
                raise InvalidShadowUpdate("only 'state.desired' can be changed through the API")
            check_desired_patch(desired)
        except (InvalidShadowUpdate, InvalidDesired) as error:
            return 400, {"error": str(error)}
        clear = body["state"]["desired"] is None
        stations = await self._matching(body.get("selector"))
        station_ids = [str(station["chargePointId"]) for station in stations]
        answers = await self._apply_desired(station_ids, desired, clear=clear)
        results = [
            (station_id, status, answer)
            for station_id, (status, answer) in zip(station_ids, answers, strict=True)
        ]
        failed = [
            {"chargePointId": station_id, "status": status, "error": answer.get("error")}
            for station_id, status, answer in results
            if status != 200
        ]
        return 200, {
            "selector": body.get("selector") or "",
            "matched": len(stations),
            "applied": len(stations) - len(failed),
            "failed": failed[:MAX_LISTED],
            "failedOmitted": max(0, len(failed) - MAX_LISTED),
        }

    async def fleet_status(self, body: JsonObject) -> Answer:
        """Counts of in-sync, pending, failed and offline stations, and the failing ones with reasons."""
        stations = await self._matching(body.get("selector"))
        shadows = await self._desired.shadows([str(station["chargePointId"]) for station in stations])
        counts = dict.fromkeys(CATEGORIES, 0)
        failing: list[JsonObject] = []
        for station, shadow in zip(stations, shadows, strict=True):
            standing = standing_of(bool(station.get("connected")), shadow)
            counts[standing.category] += 1
            if standing.category == FAILED:
                failing.append(
                    {
                        "chargePointId": station["chargePointId"],
                        "connected": bool(station.get("connected")),
                        "reasons": standing.reasons,
                    }
                )
        return 200, {
            "selector": body.get("selector") or "",
            "total": len(stations),
            **counts,
            "failing": failing[:MAX_LISTED],
            "failingOmitted": max(0, len(failing) - MAX_LISTED),
        }
