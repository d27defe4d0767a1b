"""Answers to the billing requests on ``csms/shadow/billing/{method}``: tariffs, assignments, sessions.

Same contract as :mod:`csms_shadow.registry.registry`: ``(status, body)`` with HTTP-like codes; a
``ValueError`` becomes 400 with its message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from csms_common.billing.readings import parse_time
from csms_common.billing.tariffs import parse_tariff
from csms_common.smart_charging.sites import is_site_id
from csms_common.station_id import validate_station_id
from csms_common.topics import RegistryMethod
from csms_shadow.billing.billing_store import (
    DEFAULT_TARGET,
    BillingStore,
    SessionQuery,
    TooManyTariffs,
    station_target,
)
from csms_shadow.billing.sessions import SessionKeeper
from csms_shadow.documents.document import JsonObject

logger = logging.getLogger(__name__)

Answer = tuple[int, JsonObject]
MAX_TARIFFS_PER_TARGET = 8
MAX_PAGE = 200
DEFAULT_PAGE = 50
_GROUP = re.compile(r"^[^\s]{1,36}$")
_LISTED_WITHOUT = ("samples", "signedMeterValues", "cdr")
BILLING_METHODS = frozenset(
    {
        RegistryMethod.TARIFF_PUT,
        RegistryMethod.TARIFF_GET,
        RegistryMethod.TARIFF_LIST,
        RegistryMethod.TARIFF_DELETE,
        RegistryMethod.TARIFF_ASSIGN,
        RegistryMethod.TARIFF_ASSIGNMENTS,
        RegistryMethod.SESSION_LIST,
        RegistryMethod.SESSION_GET,
    }
)


def assignment_target(body: JsonObject) -> str:
    """``default``, ``station:{cp}`` (a valid station id), ``site:{siteId}`` or ``group:{groupIdToken}``."""
    target = body.get("target")
    if target == DEFAULT_TARGET:
        return DEFAULT_TARGET
    if isinstance(target, str) and target.startswith("station:"):
        return station_target(validate_station_id(target.removeprefix("station:")))
    if isinstance(target, str) and target.startswith("site:") and is_site_id(target.removeprefix("site:")):
        return target
    if (
        isinstance(target, str)
        and target.startswith("group:")
        and _GROUP.match(target.removeprefix("group:"))
    ):
        return target
    raise ValueError(
        "target must be 'default', 'station:{chargePointId}', 'site:{siteId}' or 'group:{groupIdToken}'"
    )


def _tariff_id(body: JsonObject) -> str:
    value = body.get("id")
    if not isinstance(value, str) or not 0 < len(value) <= 36:
        raise ValueError("id must be a tariff id of 1 to 36 characters")
    return value


def _time_bound(body: JsonObject, name: str, default: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    try:
        return parse_time(value).timestamp()
    except ValueError as error:
        raise ValueError(f"{name} must be an ISO 8601 date-time with a time zone") from error


def _page(body: JsonObject) -> tuple[int, int]:
    cursor, limit = body.get("cursor"), body.get("limit", DEFAULT_PAGE)
    if cursor is not None and (not isinstance(cursor, str) or not cursor.isdigit() or len(cursor) > 9):
        raise ValueError("cursor must be the nextCursor of a previous page")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE}")
    return int(cursor or 0), limit


class BillingRequests:
    def __init__(self, store: BillingStore, keeper: SessionKeeper) -> None:
        self._store = store
        self._keeper = keeper
        self._methods: dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]] = {
            RegistryMethod.TARIFF_PUT: self.tariff_put,
            RegistryMethod.TARIFF_GET: self.tariff_get,
            RegistryMethod.TARIFF_LIST: self.tariff_list,
            RegistryMethod.TARIFF_DELETE: self.tariff_delete,
            RegistryMethod.TARIFF_ASSIGN: self.tariff_assign,
            RegistryMethod.TARIFF_ASSIGNMENTS: self.tariff_assignments,
            RegistryMethod.SESSION_LIST: self.session_list,
            RegistryMethod.SESSION_GET: self.session_get,
        }

    async def handle(self, method: RegistryMethod, body: JsonObject) -> Answer:
        return await self._methods[method](body)

    async def pending_cost(self, station_id: str, pending: Any) -> JsonObject | None:
        if not isinstance(pending, dict):
            raise ValueError("pendingTransaction must be an object")
        return await self._keeper.pending_cost(station_id, pending)

    async def price_text(self, station_id: str, price_for: Any) -> str | None:
        token = price_for.get("idToken") if isinstance(price_for, dict) else None
        return await self._keeper.price_text(station_id, str(token) if token else None)

    # ------------------------------------------------------------------ tariffs

    async def tariff_put(self, body: JsonObject) -> Answer:
        tariff = parse_tariff(body.get("tariff"))
        if body.get("createOnly") and await self._store.get_tariff(tariff.id) is not None:
            return 409, {"error": f"Tariff already exists: {tariff.id}"}
        try:
            created = await self._store.put_tariff(tariff.document)
        except TooManyTariffs as error:
            return 409, {"error": str(error)}
        logger.info("tariff stored", extra={"tariff": tariff.id, "new_tariff": created})
        return (201 if created else 200), tariff.document

    async def tariff_get(self, body: JsonObject) -> Answer:
        tariff_id = _tariff_id(body)
        document = await self._store.get_tariff(tariff_id)
        if document is None:
            return 404, {"error": f"Tariff not found: {tariff_id}"}
        return 200, document

    async def tariff_list(self, body: JsonObject) -> Answer:
        return 200, {"tariffs": await self._store.list_tariffs()}

    async def tariff_delete(self, body: JsonObject) -> Answer:
        tariff_id = _tariff_id(body)
        users = [target for target, ids in (await self._store.assignments()).items() if tariff_id in ids]
        if users:
            return 409, {"error": f"Tariff {tariff_id} is assigned to {', '.join(sorted(users))[:200]}"}
        if not await self._store.delete_tariff(tariff_id):
            return 404, {"error": f"Tariff not found: {tariff_id}"}
        return 200, {"id": tariff_id, "deleted": True}

    async def tariff_assign(self, body: JsonObject) -> Answer:
        target = assignment_target(body)
        ids = body.get("tariffIds")
        if (
            not isinstance(ids, list)
            or len(ids) > MAX_TARIFFS_PER_TARGET
            or not all(isinstance(i, str) for i in ids)
        ):
            raise ValueError(f"tariffIds must be a list of at most {MAX_TARIFFS_PER_TARGET} tariff ids")
        if len(set(ids)) != len(ids):
            raise ValueError("tariffIds lists a tariff twice")
        documents = await self._store.get_tariffs(ids)
        missing = sorted(set(ids) - {str(document["id"]) for document in documents})
        if missing:
            return 404, {"error": f"Tariff not found: {', '.join(missing)[:200]}"}
        currencies = {document["currency"] for document in documents}
        if len(currencies) > 1:
            raise ValueError(
                f"tariffs of one target must share a currency, not {', '.join(sorted(currencies))}"
            )
        await self._store.assign(target, list(ids))
        logger.info("tariffs assigned", extra={"target": target, "tariffs": ids})
        return 200, {"target": target, "tariffIds": ids}

    async def tariff_assignments(self, body: JsonObject) -> Answer:
        return 200, {"assignments": await self._store.assignments()}

    # ----------------------------------------------------------------- sessions

    async def session_list(self, body: JsonObject) -> Answer:
        station = body.get("chargePointId")
        token = body.get("idToken")
        if token is not None and (not isinstance(token, str) or not 0 < len(token) <= 36):
            raise ValueError("idToken must be 1 to 36 characters")
        offset, limit = _page(body)
        query = SessionQuery(
            station_id=None if station is None else validate_station_id(station),
            id_token=token,
            start_from=_time_bound(body, "from", float("-inf")),
            start_to=_time_bound(body, "to", float("inf")),
            offset=offset,
            limit=limit,
        )
        sessions, next_offset = await self._store.find_sessions(query)
        listed = [{k: v for k, v in session.items() if k not in _LISTED_WITHOUT} for session in sessions]
        return 200, {"sessions": listed, "nextCursor": None if next_offset is None else str(next_offset)}

    async def session_get(self, body: JsonObject) -> Answer:
        identity = body.get("id")
        if not isinstance(identity, str) or not 0 < len(identity) <= 90:
            raise ValueError("id must be a session id ({chargePointId}:{transactionId})")
        session = await self._store.get_session(identity)
        if session is None:
            return 404, {"error": f"Session not found: {identity}"}
        return 200, session
