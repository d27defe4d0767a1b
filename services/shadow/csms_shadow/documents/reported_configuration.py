"""What a station's answer to GetConfiguration (1.6) or GetVariables (2.x) says about its
configuration, as a reported patch in the desired-state key format (docs/fleet.md) (pure).

Whoever asked (an operator through the commands API, or later the reconciler), the answer is what
the station holds, so it becomes ``reported.configuration``. Bounded: at most
:data:`MAX_REPORTED_KEYS` keys per answer, keys and values within the desired-state limits (longer
ones are left out); a 2.x ``Actual`` attribute has no suffix, as in desired keys.
"""

from __future__ import annotations

from csms_common.configuration_keys import MAX_REPORTED_KEYS, fits, variable_key
from csms_shadow.documents.desired import CONFIGURATION
from csms_shadow.documents.document import JsonObject

GET_CONFIGURATION = "GetConfiguration"
GET_VARIABLES = "GetVariables"
REPORTING_ACTIONS = frozenset({GET_CONFIGURATION, GET_VARIABLES})
__all__ = ["MAX_REPORTED_KEYS", "reported_configuration"]


def reported_configuration(command: JsonObject) -> JsonObject:
    """The reported patch of an answered GetConfiguration or GetVariables command, or {}."""
    if command.get("state") != "answered" or command.get("action") not in REPORTING_ACTIONS:
        return {}
    payload = command.get("payload")
    if not isinstance(payload, dict):
        return {}
    values: dict[str, str] = {}
    if command["action"] == GET_CONFIGURATION:
        for entry in payload.get("configurationKey") or []:
            if isinstance(entry, dict) and fits(str(entry.get("key", "")), entry.get("value")):
                values[str(entry["key"])] = entry["value"]
    else:
        for result in payload.get("getVariableResult") or []:
            if not isinstance(result, dict) or result.get("attributeStatus") != "Accepted":
                continue
            key = variable_key(result.get("component"), result.get("variable"), result.get("attributeType"))
            if key is not None and fits(key, result.get("attributeValue")):
                values[key] = result["attributeValue"]
    kept = dict(list(values.items())[:MAX_REPORTED_KEYS])
    return {CONFIGURATION: kept} if kept else {}
