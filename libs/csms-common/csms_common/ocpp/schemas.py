"""JSON-schema validation of OCPP payloads, with validators built once from the ocpp library's files.

The ocpp library ships the official schemas of every version; we read them
ourselves so that the error mapping follows the OCPP-J specification.

Two validators per schema: a fast one, compiled to Python by fastjsonschema the
first time an action is seen, which answers "valid" for almost every payload;
and jsonschema's Draft4Validator, which has the last word whenever the fast one
refuses and finds the error to report. The fast one is compiled with draft 4's
rules too (an integral float such as 1.0 is no integer), so that what it accepts
Draft4Validator accepts. A payload is therefore accepted or refused exactly as Draft4Validator
would; the fast path only spares it the work (``make bench``: jsonschema was a
fifth of the handler's time).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.versions import OcppVersion

_PACKAGE_DIRECTORY = {
    OcppVersion.V16: "v16",
    OcppVersion.V20: "v201",  # 2.0 and 2.0.1 share message definitions; see _schema_file_name
    OcppVersion.V201: "v201",
    OcppVersion.V21: "v21",
}

# The validator keyword that failed → the OCPP-J error it means.
_KEYWORD_ERRORS: dict[str, ErrorKind] = {
    "type": ErrorKind.TYPE_CONSTRAINT_VIOLATION,
    "required": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxItems": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorKind.FORMAT_VIOLATION,
    "enum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "maxLength": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "minLength": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "minimum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "maximum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "multipleOf": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "pattern": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "format": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
}


FastValidator = Callable[[Any], Any]


@dataclass(frozen=True)
class ActionSchemas:
    """The request and response validators of one action in one version."""

    request: Draft4Validator
    response: Draft4Validator


DRAFT_4 = "http://json-schema.org/draft-04/schema#"


def _compile_fast(validator: Draft4Validator) -> FastValidator:
    # The documents hold Decimals (for multipleOf); the generated code wants plain numbers.
    # use_default=False: fastjsonschema would otherwise write schema defaults into the payload.
    document = json.loads(json.dumps(validator.schema, default=float))
    # Judged by draft 4's rules, as Draft4Validator judges (2.x documents say draft 6): an integral
    # float such as 16.0 is then no integer for the fast validator either, so the two agree and the
    # fast verdict stands (before, any such float sent every payload to jsonschema: 7x the CPU).
    document["$schema"] = DRAFT_4
    try:
        compiled: FastValidator = fastjsonschema.compile(document, use_default=False)
    except fastjsonschema.JsonSchemaDefinitionException:
        return _never_sure  # a schema it cannot compile is left to jsonschema alone
    return compiled


def _never_sure(payload: Any) -> Any:
    raise fastjsonschema.JsonSchemaValueException("no fast validator for this schema")


def _load_version(version: OcppVersion) -> dict[str, ActionSchemas]:
    directory = resources.files("ocpp") / _PACKAGE_DIRECTORY[version] / "schemas"
    documents: dict[str, Any] = {}
    for entry in directory.iterdir():
        if entry.name.endswith(".json"):
            # The 2.0.1 files start with a byte order mark.
            documents[entry.name[: -len(".json")]] = json.loads(
                entry.read_text(encoding="utf-8-sig"), parse_float=Decimal
            )
    actions: dict[str, ActionSchemas] = {}
    for name, document in documents.items():
        if version is OcppVersion.V16:
            if name.endswith("Response"):
                continue
            action, response_name = name, f"{name}Response"
        else:
            if not name.endswith("Request"):
                continue
            action = name.removesuffix("Request")
            response_name = f"{action}Response"
        if response_name in documents:
            actions[action] = ActionSchemas(
                Draft4Validator(document), Draft4Validator(documents[response_name])
            )
    return actions


def _to_decimals(payload: dict[str, Any]) -> Any:
    """Re-read floats as Decimal: ``multipleOf: 0.1`` fails on binary floats like 21.4."""
    return json.loads(json.dumps(payload), parse_float=Decimal)


class SchemaRegistry:
    """Every action's validators for the given versions, built at construction."""

    def __init__(self, versions: tuple[OcppVersion, ...] = tuple(OcppVersion)) -> None:
        self._actions = {version: _load_version(version) for version in versions}
        # Compiled on first use: compiling every schema of every version up front takes seconds.
        self._fast: dict[int, FastValidator] = {}

    def actions(self, version: OcppVersion) -> frozenset[str]:
        """The actions the version defines (both directions)."""
        return frozenset(self._actions[version])

    def knows(self, version: OcppVersion, action: str) -> bool:
        return action in self._actions[version]

    def validate_request(self, version: OcppVersion, action: str, payload: dict[str, Any]) -> None:
        """Raise OcppError (NotImplemented for an unknown action) if the request is invalid."""
        self._validate(self._schemas(version, action).request, action, payload)

    def validate_response(self, version: OcppVersion, action: str, payload: dict[str, Any]) -> None:
        """Raise OcppError if the response payload of ``action`` is invalid."""
        self._validate(self._schemas(version, action).response, action, payload)

    def _schemas(self, version: OcppVersion, action: str) -> ActionSchemas:
        schemas = self._actions[version].get(action)
        if schemas is None:
            raise OcppError(ErrorKind.NOT_IMPLEMENTED, f"action {action!r} is not defined in OCPP {version}")
        return schemas

    def _validate(self, validator: Draft4Validator, action: str, payload: dict[str, Any]) -> None:
        if self._passes_fast(validator, payload):
            return
        error: ValidationError | None = best_match(validator.iter_errors(_to_decimals(payload)))
        if error is None:
            return
        kind = _KEYWORD_ERRORS.get(str(error.validator), ErrorKind.FORMAT_VIOLATION)
        location = "/".join(str(part) for part in error.absolute_path) or "(payload)"
        raise OcppError(kind, f"{action}: {location}: {error.message}")

    def _passes_fast(self, validator: Draft4Validator, payload: dict[str, Any]) -> bool:
        fast = self._fast.get(id(validator))
        if fast is None:
            fast = self._fast[id(validator)] = _compile_fast(validator)
        try:
            fast(payload)
        except fastjsonschema.JsonSchemaException:
            return False
        return True
