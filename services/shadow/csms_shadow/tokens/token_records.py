"""What an id-token record may hold, checked: one ``PUT /id-tokens/{token}`` body or one entry of an import.

A record is ``idToken``, ``status`` and ``updatedAt``, plus, when given: ``expiryDate``, ``groupIdToken``
(OCPP 2.x groupIdToken, 1.6 parentIdTag: tokens of one group may stop each other's transactions),
``evseIds`` (the EVSEs the token is limited to, OCPP 2.x IdTokenInfo.evseId) and ``chargingPriority``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms_shadow.documents.document import JsonObject

TOKEN_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid")

MAX_TOKEN_LENGTH = 36
"""OCPP 2.0.1 idToken is an identifierString of at most 36 characters (1.6 idTag: 20)."""

MAX_EVSE_IDS = 16
"""A token limited to more EVSEs than this is better left unlimited; it bounds the record's size."""
MAX_EVSE_ID = 1000
"""The largest EVSE id a token can be limited to (a station's EVSEs are numbered from 1)."""


def token_value(value: Any) -> str:
    """An id token usable as a key: 1 to 36 printable characters, no whitespace."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TOKEN_LENGTH:
        raise ValueError(f"idToken must be a string of 1 to {MAX_TOKEN_LENGTH} characters")
    if any(character.isspace() or not character.isprintable() for character in value):
        raise ValueError("idToken must not contain whitespace or control characters")
    return value


def is_token_value(value: Any) -> bool:
    try:
        token_value(value)
    except ValueError:
        return False
    return True


def expiry_value(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expiryDate must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError("expiryDate must be an ISO 8601 date-time string") from error
    if moment.tzinfo is None:
        raise ValueError("expiryDate must include a time zone (e.g. Z)")
    return value


def evse_ids_value(value: Any) -> list[int] | None:
    """1 to 16 distinct EVSE ids (1 to 1000), sorted; None or [] means every EVSE."""
    if value is None:
        return None
    message = f"evseIds must be a list of at most {MAX_EVSE_IDS} EVSE ids from 1 to {MAX_EVSE_ID}"
    if not isinstance(value, list) or len(value) > MAX_EVSE_IDS:
        raise ValueError(message)
    if any(
        isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_EVSE_ID for item in value
    ):
        raise ValueError(message)
    return sorted(set(value)) or None


def token_record(body: JsonObject, updated_at: str) -> JsonObject:
    """The stored record for ``body`` (with ``idToken``), or ValueError saying what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("an id token must be a JSON object")
    status = body.get("status")
    if status not in TOKEN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(TOKEN_STATUSES)}")
    record: JsonObject = {
        "idToken": token_value(body.get("idToken")),
        "status": status,
        "updatedAt": updated_at,
    }
    expiry = expiry_value(body.get("expiryDate"))
    if expiry is not None:
        record["expiryDate"] = expiry
    if body.get("groupIdToken") is not None:
        # The token's group: billing assigns tariffs to groups; stations let a group's tokens stop each
        # other's transactions (OCPP 2.x groupIdToken, 1.6 parentIdTag).
        record["groupIdToken"] = token_value(body["groupIdToken"])
    evse_ids = evse_ids_value(body.get("evseIds"))
    if evse_ids is not None:
        record["evseIds"] = evse_ids
    if body.get("chargingPriority") is not None:
        # Smart charging: this token's transactions are admitted and filled first.
        priority = body["chargingPriority"]
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 9:
            raise ValueError("chargingPriority must be an integer from 0 to 9")
        record["chargingPriority"] = priority
    return record


MAX_IMPORT = 10_000
"""The most tokens one import may carry here; remote-api refuses more than API_ID_TOKEN_IMPORT_MAX first."""


def import_records(entries: Any, updated_at: str) -> list[JsonObject]:
    """Every entry checked (ValueError naming the first wrong one), no token twice."""
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_IMPORT:
        raise ValueError(f"idTokens must be a list of 1 to {MAX_IMPORT} id tokens")
    records: list[JsonObject] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            record = token_record(entry, updated_at)
        except ValueError as error:
            raise ValueError(f"idTokens[{index}]: {error}") from error
        if record["idToken"] in seen:
            raise ValueError(f"idTokens[{index}]: {record['idToken']} appears more than once")
        seen.add(record["idToken"])
        records.append(record)
    return records
