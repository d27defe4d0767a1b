"""Desired local authorization list (pure): which GetLocalListVersion / SendLocalList goes next.

``desired.localAuthList`` = ``{"version": N, "source": "id-tokens" | "group:<name>"}``: the station
should hold version N of the list of the id tokens (all, or those whose ``groupIdToken`` is <name>).

- Before the first SendLocalList for a desired version, GetLocalListVersion asks the station which
  version it holds (``reported.localAuthList.version``, ``checkedFor`` = the desired version).
- **Differential** when the station holds the version whose entries we kept (``local-list:{cp}``, what
  its last accepted SendLocalLists carried): only the changed entries, removed tokens as entries
  without info. **Full** otherwise (an unknown version, -1, 0, or nothing kept).
- 1.6: before the first list, GetConfiguration asks ``SendLocalListMaxLength`` and
  ``LocalAuthListMaxLength`` unless the reported configuration holds them (``limitsChecked``; asked
  again after a reconnect). A list with more tokens than ``LocalAuthListMaxLength`` is not sent
  (status ``Invalid`` with a ``reason``), as with more than :data:`MAX_LIST_ENTRIES`.
- A list longer than one message allows (1.6 ``SendLocalListMaxLength``; 2.x
  ``LocalAuthListCtrlr.ItemsPerMessage`` and ``BytesPerMessage`` from the reported configuration, else
  :data:`DEFAULT_ITEMS_PER_MESSAGE` and :data:`DEFAULT_BYTES_PER_MESSAGE`; 1.6 without the key: one
  message) goes in parts with the same version: the first Full or Differential, the rest
  Differential, each after the previous one was accepted.
- In sync once the station accepted the last part (``reported.localAuthList`` ``{"version",
  "source"}`` equal the desired ones). A refusal (``Failed``, ``VersionMismatch``, ``NotSupported``,
  CallError) is kept as ``status`` with ``statusVersion`` and not retried for that version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from csms_shadow.tokens.tokens import effective_status

JsonObject = dict[str, Any]

LOCAL_AUTH_LIST = "localAuthList"
GET_LOCAL_LIST_VERSION = "GetLocalListVersion"
GET_CONFIGURATION = "GetConfiguration"
SEND_LOCAL_LIST = "SendLocalList"
FULL = "Full"
DIFFERENTIAL = "Differential"
DEFAULT_ITEMS_PER_MESSAGE = 20
"""Entries per SendLocalList when the station's ItemsPerMessage is not known: conservative."""
DEFAULT_BYTES_PER_MESSAGE = 4000
ITEMS_KEY = "LocalAuthListCtrlr.ItemsPerMessage"
BYTES_KEY = "LocalAuthListCtrlr.BytesPerMessage"
SEND_MAX_KEY = "SendLocalListMaxLength"
"""1.6: entries one SendLocalList may carry."""
STORE_MAX_KEY = "LocalAuthListMaxLength"
"""1.6: entries the station's list can hold."""
MAX_LIST_ENTRIES = 5000
"""Tokens one local list may carry; a source with more is not sent (status Invalid)."""
ENVELOPE_BYTES = 200
"""Room for the call frame around the entries when counting BytesPerMessage."""


@dataclass(frozen=True)
class LocalListInput:
    """What the plan needs besides the shadow: the source's tokens and what the station was sent."""

    tokens: list[JsonObject]
    """Id-token records of the desired source (already filtered by group)."""
    kept: JsonObject | None
    """``{"version": N, "entries": {idToken: entry}}``: what the station's accepted lists carried."""
    now: datetime


@dataclass(frozen=True)
class LocalListCall:
    action: str
    payload: JsonObject
    items: dict[str, str]


def entry_of(record: JsonObject, now: datetime, v16: bool) -> JsonObject:
    """A list entry (1.6 idTag/idTagInfo, 2.x idToken/idTokenInfo with ``evseId`` when the token is
    limited to EVSEs) for a token record."""
    answer = effective_status(record, now)
    status, expiry = answer["status"], answer.get("expiryDate")
    group = record.get("groupIdToken")
    if v16:
        info: JsonObject = {"status": status}
        if expiry is not None:
            info["expiryDate"] = expiry
        if group is not None:
            info["parentIdTag"] = group
        return {"idTag": record["idToken"], "idTagInfo": info}
    info = {"status": status}
    if expiry is not None:
        info["cacheExpiryDateTime"] = expiry
    if group is not None:
        info["groupIdToken"] = {"idToken": group, "type": "Central"}
    if record.get("evseIds"):
        # Limited to these EVSEs (1.6 idTagInfo has no such field: the CSMS's Authorize applies it).
        info["evseId"] = list(record["evseIds"])
    return {"idToken": {"idToken": record["idToken"], "type": "Central"}, "idTokenInfo": info}


def entry_key(entry: JsonObject) -> str:
    token = entry.get("idTag")
    return str(token if token is not None else entry["idToken"]["idToken"])


def removal_of(key: str, v16: bool) -> JsonObject:
    """A Differential entry without info: the token leaves the station's list."""
    return {"idTag": key} if v16 else {"idToken": {"idToken": key, "type": "Central"}}


def _limit(configuration: Any, key: str, default: int) -> int:
    value = configuration.get(key) if isinstance(configuration, dict) else None
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return default


def _reported(reported: JsonObject) -> JsonObject:
    value = reported.get(LOCAL_AUTH_LIST)
    return value if isinstance(value, dict) else {}


def list_capacity(reported: JsonObject, protocol: str) -> tuple[int, str]:
    """How many tokens the desired list may have for this station, and which limit says so."""
    if protocol == "1.6":
        capacity = _limit(reported.get("configuration"), STORE_MAX_KEY, MAX_LIST_ENTRIES)
        if capacity < MAX_LIST_ENTRIES:
            return capacity, STORE_MAX_KEY
    return MAX_LIST_ENTRIES, "MAX_LIST_ENTRIES"


def local_list_refusal(desired: Any, reported: JsonObject) -> str | None:
    have = _reported(reported)
    if isinstance(desired, dict) and have.get("statusVersion") == desired.get("version"):
        status = have.get("status")
        if status not in (None, "Accepted"):
            return str(status)
    return None


def needs_tokens(desired: Any, reported: JsonObject) -> bool:
    """Whether the next step sends a list (so the source's tokens must be read): not when the
    station is in sync, refused this version, or is to be asked its version first."""
    if not isinstance(desired, dict):
        return False
    have = _reported(reported)
    in_sync = have.get("version") == desired.get("version") and have.get("source") == desired.get("source")
    return (
        not in_sync
        and local_list_refusal(desired, reported) is None
        and have.get("checkedFor") == desired.get("version")
    )


def plan_local_list(
    desired: JsonObject, reported: JsonObject, protocol: str, source: LocalListInput
) -> LocalListCall | None:
    """The next call for the desired list, or None (in sync, refused, or waiting for nothing)."""
    version = int(desired["version"])
    have = _reported(reported)
    if have.get("version") == version and have.get("source") == desired.get("source"):
        return None
    if local_list_refusal(desired, reported) is not None:
        return None
    if have.get("checkedFor") != version:
        return LocalListCall(
            GET_LOCAL_LIST_VERSION, {}, {"version": str(version), "source": str(desired.get("source"))}
        )
    v16 = protocol == "1.6"
    configuration = reported.get("configuration")
    known = isinstance(configuration, dict) and SEND_MAX_KEY in configuration
    if v16 and not known and not have.get("limitsChecked"):
        return LocalListCall(
            GET_CONFIGURATION,
            {"key": [SEND_MAX_KEY, STORE_MAX_KEY]},
            {"version": str(version), "source": str(desired.get("source"))},
        )
    if len(source.tokens) > list_capacity(reported, protocol)[0]:
        return None
    target = {str(record["idToken"]): entry_of(record, source.now, v16) for record in source.tokens}
    kept = source.kept or {}
    kept_entries: JsonObject = kept.get("entries") or {}
    station_version = have.get("version")
    if kept and kept.get("version") == station_version and station_version not in (None, -1, 0):
        update_type = DIFFERENTIAL
        changes = [entry for key, entry in target.items() if kept_entries.get(key) != entry]
        changes += [removal_of(key, v16) for key in kept_entries if key not in target]
    else:
        update_type = FULL
        changes = list(target.values())
    if v16:
        # 1.6 counts entries only; without the key, one message (1.6 sets no other limit).
        items = _limit(configuration, SEND_MAX_KEY, MAX_LIST_ENTRIES)
        budget = None
    else:
        items = _limit(configuration, ITEMS_KEY, DEFAULT_ITEMS_PER_MESSAGE)
        budget = _limit(configuration, BYTES_KEY, DEFAULT_BYTES_PER_MESSAGE) - ENVELOPE_BYTES
    part: list[JsonObject] = []
    used = 0
    for entry in changes:
        size = len(json.dumps(entry, separators=(",", ":"))) + 1 if budget is not None else 0
        if part and (len(part) >= items or (budget is not None and used + size > budget)):
            break
        part.append(entry)
        used += size
    last = len(part) == len(changes)
    payload: JsonObject = {"updateType": update_type}
    payload["listVersion" if v16 else "versionNumber"] = version
    if part or update_type == FULL:
        payload["localAuthorizationList"] = part
    if not v16 and not part:
        payload.pop("localAuthorizationList", None)
    items_out = {
        "version": str(version),
        "source": str(desired.get("source")),
        "updateType": update_type,
        "last": "1" if last else "0",
    }
    return LocalListCall(SEND_LOCAL_LIST, payload, items_out)


def local_list_results(marker: JsonObject, command: JsonObject) -> JsonObject:
    """The reported patch a finished GetLocalListVersion / SendLocalList leaves ({} without an answer)."""
    state = command.get("state")
    items = marker["items"]
    version = int(items["version"])
    if state not in ("answered", "error"):
        return {}
    payload = command.get("payload") or {}
    if marker["action"] == GET_CONFIGURATION:
        # Unknown keys (or a CallError) leave the defaults: asked again after a reconnect.
        values = {
            str(entry["key"]): entry["value"]
            for entry in payload.get("configurationKey") or []
            if isinstance(entry, dict)
            and entry.get("key") in (SEND_MAX_KEY, STORE_MAX_KEY)
            and isinstance(entry.get("value"), str)
        }
        patch: JsonObject = {LOCAL_AUTH_LIST: {"limitsChecked": True}}
        if values:
            patch["configuration"] = values
        return patch
    if marker["action"] == GET_LOCAL_LIST_VERSION:
        if state == "error":
            return {LOCAL_AUTH_LIST: {"status": "CallError", "statusVersion": version}}
        held = payload.get("listVersion", payload.get("versionNumber"))
        return {LOCAL_AUTH_LIST: {"version": held, "checkedFor": version}}
    status = "CallError" if state == "error" else str(payload.get("status", "Invalid"))
    patch = {"status": status, "statusVersion": version, "updateType": items.get("updateType")}
    if status == "Accepted":
        patch["version"] = version
        patch["source"] = items.get("source") if items.get("last") == "1" else None
    return {LOCAL_AUTH_LIST: patch}


def kept_after(kept: JsonObject | None, request: JsonObject, v16: bool) -> JsonObject:
    """What the station holds after accepting ``request`` (a SendLocalList payload)."""
    version = request.get("listVersion", request.get("versionNumber"))
    entries: JsonObject = {}
    if request.get("updateType") == DIFFERENTIAL and kept is not None:
        entries = dict(kept.get("entries") or {})
    info_key = "idTagInfo" if v16 else "idTokenInfo"
    for entry in request.get("localAuthorizationList") or []:
        key = entry_key(entry)
        if info_key in entry:
            entries[key] = entry
        else:
            entries.pop(key, None)
    return {"version": version, "entries": entries}
