"""OCPP-J error codes per version, and the exception that carries one to a CallError."""

from __future__ import annotations

from enum import Enum
from typing import Any

from csms_common.ocpp.versions import OcppVersion


class ErrorKind(Enum):
    """What went wrong, independent of how a version spells it on the wire."""

    FORMAT_VIOLATION = "FormatViolation"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    PROTOCOL_ERROR = "ProtocolError"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL_ERROR = "InternalError"
    SECURITY_ERROR = "SecurityError"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
    GENERIC_ERROR = "GenericError"


# OCPP-J 1.6 spells two codes differently (errata sheet, "known issues that will
# not be fixed") and has neither RpcFrameworkError nor MessageTypeNotSupported.
_V16_CODES: dict[ErrorKind, str] = {
    ErrorKind.FORMAT_VIOLATION: "FormationViolation",
    ErrorKind.RPC_FRAMEWORK_ERROR: "FormationViolation",
    ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED: "ProtocolError",
    ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
}


# OCPP-J 2.0 and 2.0.1 fixed FormationViolation but kept the 1.6 spelling
# "OccurenceConstraintViolation"; OCPP 2.1 spells it correctly.
_V20_CODES: dict[ErrorKind, str] = {
    ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
}

_CODES_BY_VERSION: dict[OcppVersion, dict[ErrorKind, str]] = {
    OcppVersion.V16: _V16_CODES,
    OcppVersion.V20: _V20_CODES,
    OcppVersion.V201: _V20_CODES,
    OcppVersion.V21: {},
}


def error_code(kind: ErrorKind, version: OcppVersion) -> str:
    """The wire code of ``kind`` in ``version``'s CallError."""
    return _CODES_BY_VERSION[version].get(kind, kind.value)


class OcppError(Exception):
    """An error to be answered with a CallError; raised by parsing, validation and handlers."""

    def __init__(self, kind: ErrorKind, description: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.details = details or {}
