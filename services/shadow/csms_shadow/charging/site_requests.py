"""Answers to the smart-charging site requests on ``csms/shadow/charging/{method}``: the site tree, external
limits, and station membership. Same contract as :mod:`csms_shadow.registry.registry`: ``(status, body)``;
a ``ValueError`` (InvalidSite, InvalidLimit included) becomes 400 with its message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from csms_common.billing.readings import parse_time
from csms_common.smart_charging.limits import ExternalLimit, limit_at, parse_limit
from csms_common.smart_charging.phases import ROTATIONS, UNKNOWN_ROTATIONS
from csms_common.smart_charging.sites import (
    Site,
    check_removal,
    check_tree,
    is_site_id,
    parse_site,
)
from csms_common.station_id import validate_station_id
from csms_common.topics import RegistryMethod
from csms_shadow.charging.site_metrics import SITE_MEMBERS, SITES
from csms_shadow.charging.site_store import SiteStore, sites_of
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
MAX_EVSES = 16
MAX_EXTERNAL_SECONDS = 7 * 86400
SITE_METHODS = frozenset(
    {
        RegistryMethod.SITE_PUT,
        RegistryMethod.SITE_GET,
        RegistryMethod.SITE_LIST,
        RegistryMethod.SITE_DELETE,
        RegistryMethod.SITE_EXTERNAL_LIMIT,
        RegistryMethod.SITE_MEMBERSHIP,
        RegistryMethod.SITE_ALLOCATION,
    }
)
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _site_id(body: JsonObject, name: str = "id") -> str:
    value = body.get(name)
    if not is_site_id(value):
        raise ValueError(f"{name} must be a site id (1-48 of A-Z a-z 0-9 . _ : -)")
    return str(value)


def stored_site(document: JsonObject) -> tuple[Site, ExternalLimit | None]:
    """A stored document back to the core's types (it was checked when stored)."""
    body = {key: value for key, value in document.items() if key not in ("externalLimit",)}
    site = parse_site(str(document["id"]), body)
    external = document.get("externalLimit")
    if not external:
        return site, None
    return site, ExternalLimit(parse_limit(external["limit"]), parse_time(external["expires"]))


def _amps_now(site: Site, external: ExternalLimit | None, now: datetime) -> list[float]:
    return [round(amps, 1) for amps in limit_at(site.limit, site.schedule, external, now)]


class SiteRequests:
    def __init__(
        self,
        sites: SiteStore,
        stations: ShadowStore,
        clock: Clock = _utc_now,
        on_change: Callable[[], None] = lambda: None,
        allocation: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    ) -> None:
        self._allocation = allocation
        """What the allocator sent, per transaction (None: no allocator, as in unit tests)."""
        self._on_change = on_change
        """Called after a change that may move an allocation (the allocator's wake-up)."""
        self._sites = sites
        self._stations = stations
        self._clock = clock
        self._methods: dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]] = {
            RegistryMethod.SITE_PUT: self.put,
            RegistryMethod.SITE_GET: self.get,
            RegistryMethod.SITE_LIST: self.list_sites,
            RegistryMethod.SITE_DELETE: self.delete,
            RegistryMethod.SITE_EXTERNAL_LIMIT: self.external_limit,
            RegistryMethod.SITE_MEMBERSHIP: self.membership,
            RegistryMethod.SITE_ALLOCATION: self.allocation,
        }

    async def handle(self, method: RegistryMethod, body: JsonObject) -> Answer:
        answer = await self._methods[method](body)
        reads = (RegistryMethod.SITE_GET, RegistryMethod.SITE_LIST, RegistryMethod.SITE_ALLOCATION)
        if answer[0] < 300 and method not in reads:
            self._on_change()
        return answer

    async def _tree(self) -> dict[str, Site]:
        return {site_id: stored_site(document)[0] for site_id, document in (await self._sites.all()).items()}

    async def put(self, body: JsonObject) -> Answer:
        site_id = _site_id(body)
        site = parse_site(site_id, body.get("site"))
        check_tree(await self._tree(), site)
        before = await self._sites.get(site_id)
        document = site.as_json()
        if before and before.get("externalLimit"):
            document["externalLimit"] = before["externalLimit"]
        created = await self._sites.put(document)
        SITES.set(len(await self._sites.all()))
        logger.info("site stored", extra={"site": site_id, "new_site": created, "parent": site.parent})
        return (201 if created else 200), await self._view(document)

    async def _view(self, document: JsonObject) -> JsonObject:
        site, external = stored_site(document)
        return {
            **document,
            "limitNow": {"amps": _amps_now(site, external, self._clock())},
            "stations": await self._sites.stations(site.id),
        }

    async def get(self, body: JsonObject) -> Answer:
        site_id = _site_id(body)
        document = await self._sites.get(site_id)
        if document is None:
            return 404, {"error": f"Site not found: {site_id}"}
        return 200, await self._view(document)

    async def list_sites(self, body: JsonObject) -> Answer:
        return 200, {"sites": list((await self._sites.all()).values())}

    async def delete(self, body: JsonObject) -> Answer:
        site_id = _site_id(body)
        check_removal(await self._tree(), site_id)
        stations = await self._sites.stations(site_id)
        if stations:
            return 409, {"error": f"Site {site_id} still has stations: {', '.join(stations[:5])}"}
        if not await self._sites.delete(site_id):
            return 404, {"error": f"Site not found: {site_id}"}
        SITES.set(len(await self._sites.all()))
        logger.info("site deleted", extra={"site": site_id})
        return 200, {"id": site_id, "deleted": True}

    async def forget_station(self, station_id: str) -> None:
        """A deregistered station leaves its sites (they could not be deleted while it was listed)."""
        await self._sites.set_membership(station_id, {"site": None, "evses": {}, "wiring": {}})
        SITE_MEMBERS.set(len(await self._sites.memberships()))
        self._on_change()

    async def allocation(self, body: JsonObject) -> Answer:
        """The transactions of the site's stations: amps sent, and the station's answer (sent, accepted,
        rejected: counted at its maximum, lost: sent again when it is back)."""
        site_id = _site_id(body)
        if await self._sites.get(site_id) is None:
            return 404, {"error": f"Site not found: {site_id}"}
        members = set(await self._sites.stations(site_id))
        entries = (await self._allocation()).values() if self._allocation is not None else []
        transactions = sorted(
            (
                {
                    "chargePointId": entry["station_id"],
                    "transactionId": entry["transaction_id"],
                    "evseId": entry["evse_id"],
                    "amps": entry["amps"],
                    "state": entry["state"],
                    "capAmps": entry.get("draw_cap"),
                }
                for entry in entries
                if entry["station_id"] in members
            ),
            key=lambda item: (str(item["chargePointId"]), str(item["transactionId"])),
        )
        return 200, {"id": site_id, "transactions": transactions}

    async def external_limit(self, body: JsonObject) -> Answer:
        """``{"id", "limit": {...}, "expires": ISO}`` sets it; ``{"id", "limit": null}`` clears it."""
        site_id = _site_id(body)
        document = await self._sites.get(site_id)
        if document is None:
            return 404, {"error": f"Site not found: {site_id}"}
        if body.get("limit") is None:
            document.pop("externalLimit", None)
        else:
            limit = parse_limit(body["limit"])
            try:
                expires = parse_time(body.get("expires"))
            except ValueError as error:
                raise ValueError(f"expires: {error}") from None
            seconds = (expires - self._clock()).total_seconds()
            if not 0 < seconds <= MAX_EXTERNAL_SECONDS:
                raise ValueError(
                    f"expires must be in the future, at most {MAX_EXTERNAL_SECONDS // 86400} days ahead"
                )
            document["externalLimit"] = {"limit": limit.as_json(), "expires": body["expires"]}
        await self._sites.put(document)
        logger.info("site external limit", extra={"site": site_id, "external": document.get("externalLimit")})
        return 200, await self._view(document)

    async def membership(self, body: JsonObject) -> Answer:
        """``{"chargePointId", "site"?: id | null, "evses"?: {"1": {"site"?: id | null, "phaseRotation"?,
        "phases"?}}}``; kept as ``evses`` (EVSE -> site) and ``wiring`` (EVSE -> phaseRotation, phases)."""
        station_id = validate_station_id(body.get("chargePointId"))
        if await self._stations.get_station(station_id) is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        current = await self._sites.membership(station_id)
        wanted: JsonObject = {
            "site": current.get("site"),
            "evses": dict(current.get("evses") or {}),
            "wiring": dict(current.get("wiring") or {}),
        }
        if "site" in body:
            wanted["site"] = None if body["site"] is None else _site_id(body, "site")
        apply_evse_changes(wanted, evse_changes(body.get("evses")))
        if len(wanted["evses"]) > MAX_EVSES or len(wanted["wiring"]) > MAX_EVSES:
            raise ValueError(f"at most {MAX_EVSES} EVSEs per station")
        known = set((await self._sites.all()).keys())
        missing = sorted(sites_of(wanted) - known)
        if missing:
            return 404, {"error": f"Site not found: {', '.join(missing)}"}
        _refuse_second_site(station_id, current, wanted)
        await self._sites.set_membership(station_id, wanted)
        SITE_MEMBERS.set(len(await self._sites.memberships()))
        logger.info(
            "station site",
            extra={
                "station_id": station_id,
                "site": wanted["site"],
                "evses": wanted["evses"],
                "wiring": wanted["wiring"],
            },
        )
        return 200, {"chargePointId": station_id, **wanted}


_EVSE_FIELDS = frozenset({"site", "phaseRotation", "phases"})
_EVSE_SHAPE = (
    '{"site"?: id | null, "phaseRotation"?: RST|RTS|SRT|STR|TRS|TSR | null, "phases"?: 1|2|3 | null}'
)


def evse_changes(value: Any) -> dict[str, JsonObject]:
    """``evses`` of a PATCH: per EVSE id, the fields it changes (``None``: removed)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_EVSES:
        raise ValueError(f'evses must be an object of at most {MAX_EVSES} {{"<evseId>": {_EVSE_SHAPE}}}')
    changes: dict[str, JsonObject] = {}
    for evse, change in value.items():
        if not (isinstance(evse, str) and evse.isdigit() and 0 < int(evse) <= 1000):
            raise ValueError(f"evses key {str(evse)[:10]!r} must be an EVSE id from 1 to 1000")
        if not isinstance(change, dict) or not change or not set(change) <= _EVSE_FIELDS:
            raise ValueError(f"evses.{evse} must be {_EVSE_SHAPE}")
        parsed: JsonObject = {}
        if "site" in change:
            parsed["site"] = None if change["site"] is None else _site_id(change, "site")
        rotation = change.get("phaseRotation")
        if rotation is not None and rotation not in (*ROTATIONS, *UNKNOWN_ROTATIONS):
            raise ValueError(f"evses.{evse}.phaseRotation must be one of {', '.join(ROTATIONS)} or null")
        if "phaseRotation" in change:
            parsed["phaseRotation"] = None if rotation in (None, *UNKNOWN_ROTATIONS) else rotation
        phases = change.get("phases")
        if phases is not None and (isinstance(phases, bool) or phases not in (1, 2, 3)):
            raise ValueError(f"evses.{evse}.phases must be 1, 2 or 3 (the EVSE's phases) or null")
        if "phases" in change:
            parsed["phases"] = phases
        changes[str(int(evse))] = parsed
    return changes


def apply_evse_changes(wanted: JsonObject, changes: dict[str, JsonObject]) -> None:
    """Into ``wanted``'s ``evses`` (EVSE -> site) and ``wiring`` (EVSE -> phaseRotation, phases)."""
    for evse, change in changes.items():
        if "site" in change:
            if change["site"] is None:
                wanted["evses"].pop(evse, None)
            else:
                wanted["evses"][evse] = change["site"]
        wiring = {**wanted["wiring"].get(evse, {}), **{k: v for k, v in change.items() if k != "site"}}
        wiring = {key: value for key, value in wiring.items() if value is not None}
        if wiring:
            wanted["wiring"][evse] = wiring
        else:
            wanted["wiring"].pop(evse, None)


def _refuse_second_site(station_id: str, current: JsonObject, wanted: JsonObject) -> None:
    """A station (or an EVSE) already in a site must leave it (``null``) before joining another:
    moving it silently would drop it from the first site's allocation while it may still draw."""
    if current.get("site") and wanted.get("site") and current["site"] != wanted["site"]:
        raise ValueError(f'station {station_id} is in site {current["site"]}; leave it first ("site": null)')
    for evse, site in wanted["evses"].items():
        before = (current.get("evses") or {}).get(evse)
        if before and before != site:
            raise ValueError(f"EVSE {evse} of {station_id} is in site {before}; leave it first")
