"""OCPP-J error codes per version: 1.6 spells two of them differently and lacks two others."""

from __future__ import annotations

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError, error_code
from csms_common.ocpp.versions import OcppVersion
from tests.support.fuzz import ERROR_CODES

# kind → (OCPP-J 1.6 code, OCPP-J 2.0 / 2.0.1 code). 2.0.1 fixed FormationViolation but kept
# the 1.6 spelling OccurenceConstraintViolation; 2.1 fixes that one too (test_v21_codes).
CODES: dict[ErrorKind, tuple[str, str]] = {
    ErrorKind.FORMAT_VIOLATION: ("FormationViolation", "FormatViolation"),
    ErrorKind.RPC_FRAMEWORK_ERROR: ("FormationViolation", "RpcFrameworkError"),
    ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED: ("ProtocolError", "MessageTypeNotSupported"),
    ErrorKind.PROTOCOL_ERROR: ("ProtocolError", "ProtocolError"),
    ErrorKind.NOT_IMPLEMENTED: ("NotImplemented", "NotImplemented"),
    ErrorKind.NOT_SUPPORTED: ("NotSupported", "NotSupported"),
    ErrorKind.INTERNAL_ERROR: ("InternalError", "InternalError"),
    ErrorKind.SECURITY_ERROR: ("SecurityError", "SecurityError"),
    ErrorKind.PROPERTY_CONSTRAINT_VIOLATION: ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION: (
        "OccurenceConstraintViolation",
        "OccurenceConstraintViolation",
    ),
    ErrorKind.TYPE_CONSTRAINT_VIOLATION: ("TypeConstraintViolation", "TypeConstraintViolation"),
    ErrorKind.GENERIC_ERROR: ("GenericError", "GenericError"),
}

# The codes OCPP-J 1.6 (section 4.2.3) defines; a 1.6 CallError must use one of them.
V16_CODES = ERROR_CODES["ocpp1.6"]


def test_the_table_covers_every_kind() -> None:
    assert set(CODES) == set(ErrorKind)


@pytest.mark.parametrize(("kind", "codes"), CODES.items(), ids=[kind.name for kind in CODES])
def test_v16_codes(kind: ErrorKind, codes: tuple[str, str]) -> None:
    assert error_code(kind, OcppVersion.V16) == codes[0]


@pytest.mark.parametrize(("kind", "codes"), CODES.items(), ids=[kind.name for kind in CODES])
@pytest.mark.parametrize("version", [OcppVersion.V20, OcppVersion.V201])
def test_v2_codes(kind: ErrorKind, codes: tuple[str, str], version: OcppVersion) -> None:
    assert error_code(kind, version) == codes[1]


@pytest.mark.parametrize(("kind", "codes"), CODES.items(), ids=[kind.name for kind in CODES])
def test_v21_codes(kind: ErrorKind, codes: tuple[str, str]) -> None:
    expected = (
        "OccurrenceConstraintViolation" if kind is ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION else codes[1]
    )
    assert error_code(kind, OcppVersion.V21) == expected


@pytest.mark.parametrize("kind", list(ErrorKind), ids=[kind.name for kind in ErrorKind])
def test_every_v16_code_is_defined_by_ocpp_j_16(kind: ErrorKind) -> None:
    assert error_code(kind, OcppVersion.V16) in V16_CODES


def test_ocpp_error_carries_kind_description_and_details() -> None:
    error = OcppError(ErrorKind.NOT_SUPPORTED, "no", {"cause": "x"})
    assert (error.kind, error.description, error.details, str(error)) == (
        ErrorKind.NOT_SUPPORTED,
        "no",
        {"cause": "x"},
        "no",
    )


def test_ocpp_error_details_default_to_an_empty_object() -> None:
    assert OcppError(ErrorKind.GENERIC_ERROR, "x").details == {}
