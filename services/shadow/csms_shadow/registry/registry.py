"""Answers to ``csms/shadow/{registry,credentials,tokens,commands,transactions}/{method}`` requests.

Each answer is ``(status, body)`` with HTTP-like status codes, so remote-api can
pass them through. Redis errors propagate; the MQTT shell turns them into 503.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from csms_common.clock import utc_now_iso
from csms_common.labels import merge_labels
from csms_common.station_id import validate_station_id
from csms_common.topics import RegistryMethod
from csms_shadow.credentials.hashing import BoundedHashing, HashingBusy
from csms_shadow.credentials.passwords import check_password_rules, hash_password, verify_password
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore
from csms_shadow.metrics import ID_TOKEN_IMPORTS, ID_TOKENS_IMPORTED
from csms_shadow.tokens.token_records import import_records, is_token_value, token_record, token_value
from csms_shadow.tokens.tokens import IdTokenStore, TokenStoreFull
from csms_shadow.transactions.records import Records

logger = logging.getLogger(__name__)

REGISTRATION_STATUSES = ("Accepted", "Pending", "Rejected")
SECURITY_PROFILES = (0, 1, 2, 3)
"""0: no authentication (development only), 1: Basic auth, 2: TLS + Basic auth, 3: TLS client certificate."""
PASSWORD_PROFILES = (1, 2)


def security_profile(value: Any) -> int:
    if isinstance(value, bool) or value not in SECURITY_PROFILES:
        raise ValueError("securityProfile must be 0, 1, 2 or 3")
    return int(value)


def connection_level(*, tls: bool, certificate_matches: bool, password_ok: bool) -> int:
    """The security profile a connection achieves; a station may never connect below its own."""
    if tls and certificate_matches:
        return 3
    if tls and password_ok:
        return 2
    if password_ok:
        return 1
    return 0


Answer = tuple[int, JsonObject]


def _choice(body: JsonObject, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return str(value)


class RegistryRequests:
    """Dispatches one request to the store that answers it."""

    def __init__(
        self,
        store: ShadowStore,
        tokens: IdTokenStore,
        records: Records,
        allocation_ttl_seconds: int,
        hashing: BoundedHashing | None = None,
        on_deleted: Sequence[Callable[[str], Awaitable[None]]] = (),
    ) -> None:
        self._on_deleted = tuple(on_deleted)
        """What else keeps per-station keys (the reconciler's marks, local lists, the label index)."""
        self._hashing = hashing or BoundedHashing()
        self._store = store
        self._tokens = tokens
        self._records = records
        self._allocation_ttl = allocation_ttl_seconds
        self._methods: dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]] = {
            RegistryMethod.CREATE: self.create,
            RegistryMethod.GET: self.get,
            RegistryMethod.LIST: self.list_stations,
            RegistryMethod.DELETE: self.delete,
            RegistryMethod.UPDATE: self.update,
            RegistryMethod.AUTHENTICATE: self.authenticate,
            RegistryMethod.SET_PASSWORD: self.set_password,
            RegistryMethod.LOOKUP: self.lookup,
            RegistryMethod.TOKEN_PUT: self.token_put,
            RegistryMethod.TOKEN_GET: self.token_get,
            RegistryMethod.TOKEN_DELETE: self.token_delete,
            RegistryMethod.TOKEN_LIST: self.token_list,
            RegistryMethod.TOKEN_IMPORT: self.token_import,
            RegistryMethod.COMMAND_GET: self.command_get,
            RegistryMethod.TRANSACTIONS: self.transactions,
        }

    async def handle(self, method: RegistryMethod, body: JsonObject) -> Answer:
        return await self._methods[method](body)

    def methods(self) -> dict[RegistryMethod, Callable[[JsonObject], Awaitable[Answer]]]:
        """The requests this answers (registry, credentials, tokens, commands, transactions)."""
        return dict(self._methods)

    # ------------------------------------------------------------------ stations

    async def create(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        status = _choice(body, "registrationStatus", REGISTRATION_STATUSES, "Accepted")
        # A password without a profile means profile 1 (Basic auth): a password is never ignored.
        default_profile = 1 if body.get("password") is not None else 0
        profile = security_profile(body.get("securityProfile", default_profile))
        record: JsonObject = {
            "chargePointId": station_id,
            "registrationStatus": status,
            "securityProfile": profile,
            "createdAt": utc_now_iso(),
        }
        if body.get("password") is not None:
            record["passwordHash"] = await asyncio.to_thread(
                hash_password, check_password_rules(body["password"])
            )
        elif profile in PASSWORD_PROFILES:
            raise ValueError(f"security profile {profile} needs a password")
        if not await self._store.create_station(record, int(time.time())):
            return 409, {"error": f"Charge point already exists: {station_id}"}
        logger.info("station registered", extra={"station_id": station_id, "registration_status": status})
        return 201, await self._store.get_station(station_id) or record

    async def get(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        station = await self._store.get_station(station_id)
        if station is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        return 200, station

    async def list_stations(self, body: JsonObject) -> Answer:
        return 200, {"chargePoints": await self._store.list_stations()}

    async def delete(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        if not await self._store.delete_station(station_id):
            return 404, {"error": f"Charge point not found: {station_id}"}
        await self._records.delete_station(station_id)
        for forget in self._on_deleted:
            await forget(station_id)
        logger.info("station deregistered", extra={"station_id": station_id})
        return 200, {"chargePointId": station_id, "deleted": True}

    async def update(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        changes: JsonObject = {}
        if "registrationStatus" in body:
            changes["registrationStatus"] = _choice(body, "registrationStatus", REGISTRATION_STATUSES)
        if "securityProfile" in body:
            changes["securityProfile"] = security_profile(body["securityProfile"])
        if not changes and "labels" not in body:
            raise ValueError("nothing to change: give registrationStatus, securityProfile and/or labels")
        current = await self._store.station_record(station_id)
        if current is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        if changes.get("securityProfile") in PASSWORD_PROFILES and "passwordHash" not in current:
            raise ValueError(f"security profile {changes['securityProfile']} needs a password: set one first")
        labels = body.get("labels") if "labels" in body else None
        if "labels" in body:
            merge_labels(current.get("labels"), body["labels"])  # checked before any write
        # The labels merge inside the store's transaction, with the label index: two label changes
        # at once both survive.
        record = await self._store.update_station(station_id, changes, labels=labels)
        if record is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        if "labels" in body:
            changes["labels"] = record.get("labels") or {}
        logger.info("station updated", extra={"station_id": station_id, **changes})
        station = await self._store.get_station(station_id)
        return 200, station or {}

    async def set_password(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        password = check_password_rules(body.get("password"))
        if await self._store.station_record(station_id) is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        password_hash = await asyncio.to_thread(hash_password, password)
        await self._store.update_station(station_id, {"passwordHash": password_hash})
        logger.info("station password set", extra={"station_id": station_id})
        return 200, {"chargePointId": station_id, "hasPassword": True}

    async def authenticate(self, body: JsonObject) -> Answer:
        """May this connection act as this station? 404 unknown, 401 wrong or too weak, else 200."""
        station_id = validate_station_id(body.get("chargePointId"))
        record = await self._store.station_record(station_id)
        if record is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        password = body.get("password")
        password_ok = False
        if password is not None:
            stored = record.get("passwordHash")
            try:
                password_ok = stored is not None and await self._hashing.run(
                    verify_password, str(password), stored
                )
            except HashingBusy:
                logger.warning("password check refused: hashing queue full", extra={"station_id": station_id})
                return 503, {"error": "busy, retry later"}
            if not password_ok:
                return 401, {"error": "unauthorized"}
        achieved = connection_level(
            tls=bool(body.get("tls")),
            certificate_matches=body.get("certificateCn") == station_id,
            password_ok=password_ok,
        )
        if achieved < int(record.get("securityProfile", 0)):
            return 401, {"error": "unauthorized"}
        return 200, {
            "registrationStatus": record.get("registrationStatus", "Accepted"),
            "securityProfile": int(record.get("securityProfile", 0)),
        }

    async def lookup(self, body: JsonObject) -> Answer:
        """Everything one handler call needs, in one round trip."""
        station_id = validate_station_id(body.get("chargePointId"))
        answer: JsonObject = {}
        if body.get("registration"):
            status = await self._store.registration_status(station_id)
            answer["registrationStatus"] = status or "Rejected"
        presented = [str(token) for token in body.get("tokens") or []]
        # A token no one can store (a space in it, too long, empty) is simply unknown: Invalid.
        storable = [token for token in presented if is_token_value(token)]
        if presented:
            statuses = await self._tokens.statuses(storable, datetime.now(UTC))
            answer["tokens"] = {token: statuses.get(token, {"status": "Invalid"}) for token in presented}
        allocate = body.get("allocate")
        if allocate:
            answer["transactionId"] = await self._store.allocate_transaction_id(
                station_id, str(allocate), self._allocation_ttl
            )
        return 200, answer

    # -------------------------------------------------------------------- tokens

    async def token_put(self, body: JsonObject) -> Answer:
        record = token_record(body, utc_now_iso())
        try:
            created = await self._tokens.put(record)
        except TokenStoreFull as error:
            return 409, {"error": str(error)}
        logger.info("id token stored", extra={"status": record["status"], "new_token": created})
        return (201 if created else 200), record

    async def token_import(self, body: JsonObject) -> Answer:
        """Create or replace every token of ``idTokens`` or, if one entry is wrong, none of them."""
        try:
            records = import_records(body.get("idTokens"), utc_now_iso())
        except ValueError:
            ID_TOKEN_IMPORTS.labels("invalid").inc()
            raise
        try:
            created = await self._tokens.put_many(records)
        except TokenStoreFull as error:
            ID_TOKEN_IMPORTS.labels("full").inc()
            return 409, {"error": str(error)}
        ID_TOKEN_IMPORTS.labels("stored").inc()
        ID_TOKENS_IMPORTED.inc(len(records))
        logger.info("id tokens imported", extra={"tokens": len(records), "new_tokens": created})
        return 200, {"imported": len(records), "created": created, "replaced": len(records) - created}

    async def token_get(self, body: JsonObject) -> Answer:
        value = token_value(body.get("idToken"))
        record = await self._tokens.get(value)
        if record is None:
            return 404, {"error": f"Id token not found: {value}"}
        return 200, record

    async def token_delete(self, body: JsonObject) -> Answer:
        value = token_value(body.get("idToken"))
        if not await self._tokens.delete(value):
            return 404, {"error": f"Id token not found: {value}"}
        return 200, {"idToken": value, "deleted": True}

    async def token_list(self, body: JsonObject) -> Answer:
        return 200, {"idTokens": await self._tokens.all()}

    # ------------------------------------------------------------------- records

    async def command_get(self, body: JsonObject) -> Answer:
        message_id = body.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise ValueError("messageId must be a non-empty string")
        record = await self._records.get_command(message_id)
        if record is None:
            return 404, {"error": f"Command not found: {message_id}"}
        return 200, record

    async def transactions(self, body: JsonObject) -> Answer:
        station_id = validate_station_id(body.get("chargePointId"))
        if await self._store.get_station(station_id) is None:
            return 404, {"error": f"Charge point not found: {station_id}"}
        return 200, {
            "chargePointId": station_id,
            "transactions": await self._records.transactions(station_id),
        }
