"""Configuration keys in the desired-state format (``Component[/evse[/connector]].Variable[.attributeType]``)
and their bounds, shared by the handler (NotifyReport) and the shadow service (pure).

One format for every place a 2.x station says what it holds: GetVariables results and NotifyReport's
reportData. A 2.x ``Actual`` attribute has no suffix, as in desired keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_CONFIGURATION_KEY_CHARS = 128
MAX_CONFIGURATION_VALUE_CHARS = 1000
"""OCPP 2.0.1's attributeValue limit (1.6 ChangeConfiguration allows 500: checked when sending)."""
MAX_REPORTED_KEYS = 256
"""Keys one answer or one NotifyReport part may report; the rest are left out."""


def fits(key: str, value: Any) -> bool:
    """A reported key and value within the desired-state limits (longer ones are left out)."""
    return (
        0 < len(key) <= MAX_CONFIGURATION_KEY_CHARS
        and isinstance(value, str)
        and len(value) <= MAX_CONFIGURATION_VALUE_CHARS
    )


def variable_key(component: Any, variable: Any, attribute_type: Any) -> str | None:
    """The key of one attribute of a component's variable, or None when names are missing."""
    if not isinstance(component, Mapping) or not isinstance(variable, Mapping):
        return None
    name, variable_name = component.get("name"), variable.get("name")
    if not isinstance(name, str) or not isinstance(variable_name, str):
        return None
    path = name
    evse = component.get("evse")
    if isinstance(evse, Mapping) and isinstance(evse.get("id"), int):
        path += f"/{evse['id']}"
        if isinstance(evse.get("connectorId"), int):
            path += f"/{evse['connectorId']}"
    attribute = attribute_type or "Actual"
    return f"{path}.{variable_name}" if attribute == "Actual" else f"{path}.{variable_name}.{attribute}"


def report_data_values(report_data: Any) -> dict[str, str]:
    """The values of a NotifyReport's ``reportData`` as configuration keys (at most
    :data:`MAX_REPORTED_KEYS`; attributes without a value, e.g. write-only ones, are left out)."""
    values: dict[str, str] = {}
    for item in report_data if isinstance(report_data, list) else []:
        if not isinstance(item, Mapping):
            continue
        attributes = item.get("variableAttribute")
        for attribute in attributes if isinstance(attributes, list) else []:
            if not isinstance(attribute, Mapping):
                continue
            key = variable_key(item.get("component"), item.get("variable"), attribute.get("type"))
            if key is not None and fits(key, attribute.get("value")):
                values[key] = attribute["value"]
                if len(values) >= MAX_REPORTED_KEYS:
                    return values
    return values
