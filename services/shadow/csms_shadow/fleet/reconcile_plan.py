"""The reconciler's pure part: which call brings a station closer to its desired state, and what
the station's answer to it means for the reported state.

The same desired shape serves every protocol version; this module translates it:

- ``configuration`` ``{"<Key>": "value"}`` → 1.6 ChangeConfiguration, one key per call;
  ``{"<Component>[/<evse>[/<connector>]].<Variable>[.<attributeType>]": "value"}`` → 2.x
  SetVariables, up to :data:`SET_VARIABLES_ITEMS` keys per call.
- ``availability`` ``{"<evseId>": "Operative" | "Inoperative"}`` (0 = the whole station) →
  ChangeAvailability, one EVSE per call.
- ``firmware`` ``{"version", "location", "signature"?, "signingCertificate"?}`` → UpdateFirmware
  (1.6: SignedUpdateFirmware when signed), once per version and location (firmware_plan.py).

Every answer leaves a per-key entry ``{"status": ..., "value": ...}`` in ``reported.<property>Status``.
A key whose entry holds the desired value is not sent again (a refusal stays visible in the status
and the delta, and is not retried for ever); a new desired value is tried again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csms_shadow.documents.desired import AVAILABILITY, CONFIGURATION
from csms_shadow.documents.document import JsonObject, delta_of
from csms_shadow.fleet.firmware_plan import (
    ANSWER_STATUSES,
    FIRMWARE,
    SIGNED_UPDATE_FIRMWARE,
    UPDATE_FIRMWARE,
    answer_of,
    firmware_needs_call,
    requested,
    update_firmware_call,
)
from csms_shadow.fleet.local_list_plan import (
    GET_CONFIGURATION,
    GET_LOCAL_LIST_VERSION,
    LOCAL_AUTH_LIST,
    SEND_LOCAL_LIST,
    LocalListInput,
    list_capacity,
    local_list_results,
    plan_local_list,
)

CHANGE_CONFIGURATION = "ChangeConfiguration"
SET_VARIABLES = "SetVariables"
CHANGE_AVAILABILITY = "ChangeAvailability"
RECONCILER_ACTIONS = frozenset(
    {
        CHANGE_CONFIGURATION,
        SET_VARIABLES,
        CHANGE_AVAILABILITY,
        UPDATE_FIRMWARE,
        SIGNED_UPDATE_FIRMWARE,
        GET_LOCAL_LIST_VERSION,
        GET_CONFIGURATION,
        SEND_LOCAL_LIST,
    }
)

SET_VARIABLES_ITEMS = 8
"""Keys per SetVariables call: below any ItemsPerMessageSetVariables a station is likely to have."""
V16_MAX_KEY_CHARS = 50
V16_MAX_VALUE_CHARS = 500
V201_MAX_NAME_CHARS = 50
ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
SETTLED_STATUSES = ("Accepted", "RebootRequired", "Scheduled")
"""Answers after which the desired value is the station's: it becomes the reported value."""
KNOWN_STATUSES = frozenset(
    {
        "Accepted",
        "Rejected",
        "RebootRequired",
        "NotSupported",
        "Scheduled",
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Invalid",
        "CallError",
        *ANSWER_STATUSES,
        "Failed",
        "VersionMismatch",
    }
)
"""Status label values for metrics; anything else a station sends is counted as ``other``."""


@dataclass(frozen=True)
class PlannedCall:
    action: str
    payload: JsonObject
    property: str
    items: dict[str, str]
    """Desired key → value this call sends."""
    before: JsonObject = field(default_factory=dict)
    """A reported patch to write before the call goes out (what firmware was asked for)."""


@dataclass(frozen=True)
class Plan:
    call: PlannedCall | None
    local_statuses: JsonObject = field(default_factory=dict)
    """A reported patch for keys refused without a call (``Invalid`` for the station's version)."""


@dataclass(frozen=True)
class VariableKey:
    component: str
    evse: int | None
    connector: int | None
    variable: str
    attribute_type: str | None

    def identity(self) -> tuple[str, int | None, int | None, str, str]:
        return (self.component, self.evse, self.connector, self.variable, self.attribute_type or "Actual")


def parse_variable_key(key: str) -> VariableKey | None:
    """``Component[/evse[/connector]].Variable[.attributeType]``, or None when it is not that."""
    parts = key.split(".")
    if len(parts) not in (2, 3):
        return None
    path, variable = parts[0].split("/"), parts[1]
    attribute_type = parts[2] if len(parts) == 3 else None
    if attribute_type is not None and attribute_type not in ATTRIBUTE_TYPES:
        return None
    if len(path) > 3 or not all(_name_ok(name) for name in (path[0], variable)):
        return None
    numbers = path[1:]
    if not all(number.isdigit() and len(number) <= 6 for number in numbers):
        return None
    evse = int(numbers[0]) if numbers else None
    connector = int(numbers[1]) if len(numbers) > 1 else None
    return VariableKey(path[0], evse, connector, variable, attribute_type)


def _name_ok(name: str) -> bool:
    return 0 < len(name) <= V201_MAX_NAME_CHARS


def _variable_data(key: VariableKey, value: str) -> JsonObject:
    component: JsonObject = {"name": key.component}
    if key.evse is not None:
        component["evse"] = {"id": key.evse}
        if key.connector is not None:
            component["evse"]["connectorId"] = key.connector
    item: JsonObject = {"attributeValue": value, "component": component, "variable": {"name": key.variable}}
    if key.attribute_type is not None:
        item["attributeType"] = key.attribute_type
    return item


def _status_entry(status: str, value: Any) -> JsonObject:
    return {"status": status, "value": value}


def _open_keys(desired: JsonObject, reported: JsonObject, name: str) -> dict[str, str]:
    """Desired keys of ``name`` not reported yet and not refused for this value."""
    delta = delta_of({name: desired.get(name)}, reported).get(name) or {}
    statuses = reported.get(f"{name}Status")
    statuses = statuses if isinstance(statuses, dict) else {}
    return {key: value for key, value in delta.items() if refusal_of(statuses.get(key), value) is None}


def refusal_of(entry: Any, value: Any) -> str | None:
    """The status with which the station refused ``value`` (its status entry), or None. A value it
    took and no longer reports (changed on the station since) is not a refusal: it is sent again."""
    if (
        isinstance(entry, dict)
        and entry.get("value") == value
        and entry.get("status") not in SETTLED_STATUSES
    ):
        return str(entry.get("status"))
    return None


def plan_next(
    desired: JsonObject,
    reported: JsonObject,
    protocol: str,
    *,
    request_id: int = 1,
    now_iso: str = "",
    local_list: LocalListInput | None = None,
) -> Plan:
    """The next call for a station speaking ``protocol`` ("1.6" or "2.0.1", "2.0"), or none;
    ``request_id`` and ``now_iso`` go into an UpdateFirmware call, ``local_list`` is the desired
    local list's tokens and what the station was sent (read only when one is desired)."""
    v16 = protocol == "1.6"
    configuration = _open_keys(desired, reported, CONFIGURATION)
    invalid: JsonObject = {}
    sendable: dict[str, str] = {}
    for key, value in sorted(configuration.items()):
        if v16:
            fits = len(key) <= V16_MAX_KEY_CHARS and len(value) <= V16_MAX_VALUE_CHARS
        else:
            fits = parse_variable_key(key) is not None
        if fits:
            sendable[key] = value
        else:
            invalid[key] = _status_entry("Invalid", value)
    local = {f"{CONFIGURATION}Status": invalid} if invalid else {}
    if sendable:
        if v16:
            key, value = next(iter(sendable.items()))
            call = PlannedCall(
                CHANGE_CONFIGURATION, {"key": key, "value": value}, CONFIGURATION, {key: value}
            )
        else:
            chosen = dict(list(sendable.items())[:SET_VARIABLES_ITEMS])
            data = [_variable_data(parse_variable_key(key), value) for key, value in chosen.items()]  # type: ignore[arg-type]
            call = PlannedCall(SET_VARIABLES, {"setVariableData": data}, CONFIGURATION, chosen)
        return Plan(call, local)
    availability = _open_keys(desired, reported, AVAILABILITY)
    if availability:
        evse, value = min(availability.items(), key=lambda item: int(item[0]))
        if v16:
            payload: JsonObject = {"connectorId": int(evse), "type": value}
        else:
            payload = {"operationalStatus": value}
            if evse != "0":
                payload["evse"] = {"id": int(evse)}
        return Plan(PlannedCall(CHANGE_AVAILABILITY, payload, AVAILABILITY, {evse: value}), local)
    firmware = desired.get(FIRMWARE)
    if isinstance(firmware, dict) and firmware_needs_call(firmware, reported):
        before = requested(firmware, request_id, now_iso)
        update = update_firmware_call(firmware, protocol, request_id, now_iso)
        if update is None:
            return Plan(None, {**local, **before, FIRMWARE: {**before[FIRMWARE], "answer": "Invalid"}})
        action, payload = update
        items = {"version": str(firmware["version"]), "requestId": str(request_id)}
        return Plan(PlannedCall(action, payload, FIRMWARE, items, before), local)
    wanted_list = desired.get(LOCAL_AUTH_LIST)
    if isinstance(wanted_list, dict) and local_list is not None:
        capacity, limit = list_capacity(reported, protocol)
        if len(local_list.tokens) > capacity:
            refused = {
                "status": "Invalid",
                "statusVersion": wanted_list.get("version"),
                "reason": f"{len(local_list.tokens)} tokens, more than {limit} ({capacity})",
            }
            have = reported.get(LOCAL_AUTH_LIST) or {}
            if {key: have.get(key) for key in refused} != refused:
                local = {**local, LOCAL_AUTH_LIST: refused}
            return Plan(None, local)
        list_call = plan_local_list(wanted_list, reported, protocol, local_list)
        if list_call is not None:
            planned = PlannedCall(list_call.action, list_call.payload, LOCAL_AUTH_LIST, list_call.items)
            return Plan(planned, local)
    return Plan(None, local)


def results_of(marker: JsonObject, command: JsonObject) -> JsonObject:
    """The reported patch a finished call leaves: values the station took, a status per key.

    A call that got no answer (timeout, connection closed, queue full) leaves nothing: it is tried
    again. A CallError is an answer: its keys get status ``CallError`` and are not retried.
    """
    name = str(marker["property"])
    if name == FIRMWARE:
        answer = answer_of(str(marker["action"]), command)
        return {} if answer is None else {FIRMWARE: {"answer": answer}}
    if name == LOCAL_AUTH_LIST:
        return local_list_results(marker, command)
    items: dict[str, str] = dict(marker["items"])
    state = command.get("state")
    statuses: dict[str, str] = {}
    if state == "error":
        statuses = dict.fromkeys(items, "CallError")
    elif state == "answered":
        payload = command.get("payload") or {}
        if marker["action"] == SET_VARIABLES:
            statuses = _set_variables_statuses(items, payload)
        else:
            statuses = dict.fromkeys(items, str(payload.get("status", "Invalid")))
    if not statuses:
        return {}
    taken = {key: items[key] for key, status in statuses.items() if status in SETTLED_STATUSES}
    patch: JsonObject = {
        f"{name}Status": {key: _status_entry(status, items[key]) for key, status in statuses.items()}
    }
    if taken:
        patch[name] = taken
    return patch


def _set_variables_statuses(items: dict[str, str], payload: JsonObject) -> dict[str, str]:
    by_identity: dict[tuple[str, Any, Any, str, str], str] = {}
    for key in items:
        parsed = parse_variable_key(key)
        if parsed is not None:
            by_identity[parsed.identity()] = key
    statuses: dict[str, str] = {}
    for result in payload.get("setVariableResult") or []:
        component = result.get("component") or {}
        evse = component.get("evse") or {}
        identity = (
            str(component.get("name")),
            evse.get("id"),
            evse.get("connectorId"),
            str((result.get("variable") or {}).get("name")),
            str(result.get("attributeType") or "Actual"),
        )
        matched = by_identity.get(identity)
        if matched is not None:
            statuses[matched] = str(result.get("attributeStatus"))
    # A key the station left out of its answer was not set: its status says so, it is not retried.
    for key in items:
        statuses.setdefault(key, "Invalid")
    return statuses


def call_statuses(marker: JsonObject, patch: JsonObject) -> dict[str, Any]:
    """Key → the station's status from a folded result patch (for logs and metrics)."""
    name = str(marker["property"])
    if name == FIRMWARE:
        answer = (patch.get(FIRMWARE) or {}).get("answer")
        return {} if answer is None else {"version": answer}
    if name == LOCAL_AUTH_LIST:
        status = (patch.get(LOCAL_AUTH_LIST) or {}).get("status")
        return {} if status is None else {"version": status}
    statuses = patch.get(f"{name}Status") or {}
    return {key: entry.get("status") for key, entry in statuses.items()}


def status_label(status: Any) -> str:
    """A bounded metric label for a station-chosen status text."""
    return status if status in KNOWN_STATUSES else "other"
