"""SchemaRegistry: official OCPP schemas, with schema failures mapped to OCPP-J error kinds."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from csms_common.ocpp.errors import ErrorKind, OcppError
from csms_common.ocpp.schemas import SchemaRegistry, _never_sure
from csms_common.ocpp.versions import OcppVersion

V16, V20, V201 = OcppVersion.V16, OcppVersion.V20, OcppVersion.V201
NOW = "2024-01-02T03:04:05.678Z"

BOOT_201: dict[str, Any] = {"chargingStation": {"model": "M1", "vendorName": "Vendor"}, "reason": "PowerUp"}
STATUS_201: dict[str, Any] = {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
TRANSACTION_201: dict[str, Any] = {
    "eventType": "Updated",
    "timestamp": NOW,
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 3,
    "transactionInfo": {"transactionId": "tx-1"},
    "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": 1234.5}]}],
}


def _charging_profile_16(limit: float) -> dict[str, Any]:
    return {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }


def _with(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``payload`` with the key at ``path`` set (or removed when value is ...)."""
    changed = copy.deepcopy(payload)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (V201, "Heartbeat", {}),
        (V20, "Heartbeat", {}),
        (V201, "BootNotification", BOOT_201),
        (V201, "StatusNotification", STATUS_201),
        (V201, "TransactionEvent", TRANSACTION_201),
        (
            V201,
            "RequestStartTransaction",
            {"idToken": {"idToken": "", "type": "NoAuthorization"}, "remoteStartId": 1},
        ),
        (V201, "Heartbeat", {"customData": {"vendorId": "acme", "anything": [1, 2]}}),
        (V16, "Heartbeat", {}),
        (V16, "BootNotification", {"chargePointModel": "M1", "chargePointVendor": "Vendor"}),
        (V16, "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
        (V16, "RemoteStartTransaction", {"idTag": "TAG", "connectorId": 1}),
        (
            V16,
            "MeterValues",
            {"connectorId": 1, "meterValue": [{"timestamp": NOW, "sampledValue": [{"value": "1.5"}]}]},
        ),
    ],
)
def test_valid_requests_pass(
    schemas: SchemaRegistry, version: OcppVersion, action: str, payload: dict[str, Any]
) -> None:
    before = copy.deepcopy(payload)
    schemas.validate_request(version, action, payload)  # raises OcppError if refused
    assert payload == before


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (V201, "BootNotification", {"currentTime": NOW, "interval": 300, "status": "Accepted"}),
        (V201, "Heartbeat", {"currentTime": NOW}),
        (V201, "StatusNotification", {}),
        (V201, "TransactionEvent", {}),
        (V201, "TransactionEvent", {"idTokenInfo": {"status": "Accepted"}}),
        (V201, "RequestStartTransaction", {"status": "Accepted"}),
        (V16, "BootNotification", {"currentTime": NOW, "interval": 300, "status": "Accepted"}),
        (V16, "RemoteStartTransaction", {"status": "Rejected"}),
    ],
)
def test_valid_responses_pass(
    schemas: SchemaRegistry, version: OcppVersion, action: str, payload: dict[str, Any]
) -> None:
    before = copy.deepcopy(payload)
    schemas.validate_response(version, action, payload)  # raises OcppError if refused
    assert payload == before


@pytest.mark.parametrize(
    ("version", "action", "payload", "kind"),
    [
        # missing required
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("reason",), ...),
            ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
        ),
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("chargingStation", "model"), ...),
            ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
        ),
        (V16, "BootNotification", {"chargePointModel": "M1"}, ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION),
        (V16, "RemoteStartTransaction", {"connectorId": 1}, ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION),
        # too few items
        (
            V201,
            "TransactionEvent",
            _with(TRANSACTION_201, ("meterValue",), []),
            ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
        ),
        # wrong type
        (
            V201,
            "StatusNotification",
            _with(STATUS_201, ("evseId",), "1"),
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ),
        (
            V201,
            "StatusNotification",
            _with(STATUS_201, ("evseId",), 1.5),
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ),
        (
            V201,
            "StatusNotification",
            _with(STATUS_201, ("evseId",), True),
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ),
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("chargingStation",), "M1"),
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ),
        (
            V16,
            "StatusNotification",
            {"connectorId": "1", "errorCode": "NoError", "status": "Available"},
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ),
        # bad enum value
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("reason",), "Bogus"),
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ),
        (
            V201,
            "StatusNotification",
            _with(STATUS_201, ("connectorStatus",), "available"),
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ),
        (
            V16,
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Free"},
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ),
        # too long
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("chargingStation", "model"), "m" * 21),
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ),
        (V16, "RemoteStartTransaction", {"idTag": "t" * 21}, ErrorKind.PROPERTY_CONSTRAINT_VIOLATION),
        # not a multiple of 0.1
        (
            V16,
            "SetChargingProfile",
            {"connectorId": 1, "csChargingProfiles": _charging_profile_16(21.45)},
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ),
        # extra property
        (V201, "Heartbeat", {"extra": 1}, ErrorKind.FORMAT_VIOLATION),
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("chargingStation", "colour"), "red"),
            ErrorKind.FORMAT_VIOLATION,
        ),
        (V16, "Heartbeat", {"extra": 1}, ErrorKind.FORMAT_VIOLATION),
    ],
)
def test_invalid_requests_map_to_ocpp_errors(
    schemas: SchemaRegistry, version: OcppVersion, action: str, payload: dict[str, Any], kind: ErrorKind
) -> None:
    with pytest.raises(OcppError) as raised:
        schemas.validate_request(version, action, payload)
    assert raised.value.kind is kind
    assert raised.value.description.startswith(f"{action}: ")


@pytest.mark.parametrize(
    ("version", "action", "payload", "description"),
    [
        (
            V201,
            "BootNotification",
            {"chargingStation": {"model": "M1", "vendorName": "V"}},
            "BootNotification: (payload): 'reason' is a required property",
        ),
        (
            V201,
            "StatusNotification",
            _with(STATUS_201, ("evseId",), "1"),
            "StatusNotification: evseId: '1' is not of type 'integer'",
        ),
        (
            V201,
            "BootNotification",
            _with(BOOT_201, ("chargingStation", "model"), "m" * 21),
            f"BootNotification: chargingStation/model: '{'m' * 21}' is too long",
        ),
        (
            V201,
            "Heartbeat",
            {"extra": 1},
            "Heartbeat: (payload): Additional properties are not allowed ('extra' was unexpected)",
        ),
    ],
)
def test_error_descriptions_name_the_location(
    schemas: SchemaRegistry, version: OcppVersion, action: str, payload: dict[str, Any], description: str
) -> None:
    with pytest.raises(OcppError) as raised:
        schemas.validate_request(version, action, payload)
    assert raised.value.description == description


@pytest.mark.parametrize("limit", [21.4, 0.1, 0.3, 16.1, 32.7, 6.9, 21, 0])
def test_v16_decimal_multiple_of_tenth_validates(schemas: SchemaRegistry, limit: float) -> None:
    payload = {"connectorId": 1, "csChargingProfiles": _charging_profile_16(limit)}
    schemas.validate_request(V16, "SetChargingProfile", payload)
    # The check works on a decimal copy: the caller's floats are left as they were.
    assert payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == limit
    assert type(
        payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
    ) is type(limit)


def test_v16_remote_start_with_a_decimal_limit_validates(schemas: SchemaRegistry) -> None:
    profile = _charging_profile_16(21.4)
    schemas.validate_request(V16, "RemoteStartTransaction", {"idTag": "TAG", "chargingProfile": profile})


@pytest.mark.parametrize(
    ("version", "action"),
    [
        (V201, "Bogus"),
        (V201, "BootNotificationRequest"),
        (V201, "RemoteStartTransaction"),
        (V16, "TransactionEvent"),
        (V16, ""),
    ],
)
def test_unknown_actions_are_not_implemented(
    schemas: SchemaRegistry, version: OcppVersion, action: str
) -> None:
    assert not schemas.knows(version, action)
    for validate in (schemas.validate_request, schemas.validate_response):
        with pytest.raises(OcppError) as raised:
            validate(version, action, {})
        assert raised.value.kind is ErrorKind.NOT_IMPLEMENTED
        assert raised.value.description == f"action {action!r} is not defined in OCPP {version}"


def test_invalid_response_is_reported(schemas: SchemaRegistry) -> None:
    with pytest.raises(OcppError) as raised:
        schemas.validate_response(V201, "RequestStartTransaction", {"status": "Maybe"})
    assert raised.value.kind is ErrorKind.PROPERTY_CONSTRAINT_VIOLATION
    assert raised.value.description.startswith("RequestStartTransaction: status: 'Maybe' is not one of")


def test_actions_cover_both_directions(schemas: SchemaRegistry) -> None:
    v201 = schemas.actions(V201)
    assert {"BootNotification", "Heartbeat", "StatusNotification", "TransactionEvent", "Authorize"} <= v201
    assert {"RequestStartTransaction", "RequestStopTransaction", "Reset"} <= v201
    assert not any(name.endswith(("Request", "Response")) for name in v201)
    v16 = schemas.actions(V16)
    assert {"BootNotification", "StartTransaction", "RemoteStartTransaction", "RemoteStopTransaction"} <= v16
    assert not any(name.endswith("Response") for name in v16)
    assert schemas.actions(V20) == v201


def test_a_registry_may_load_only_some_versions() -> None:
    registry = SchemaRegistry((V16,))
    assert registry.knows(V16, "BootNotification")
    with pytest.raises(KeyError):
        registry.knows(V201, "BootNotification")


# ------------------------------------------------------- fast path (fastjsonschema)


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_schema_has_a_fast_validator(version: OcppVersion) -> None:
    """Each official schema compiles with fastjsonschema, so no action is left on the slow path alone."""
    registry = SchemaRegistry((version,))
    compiled = 0
    for action in registry.actions(version):
        schemas = registry._schemas(version, action)
        for validator in (schemas.request, schemas.response):
            registry._passes_fast(validator, {})
            assert registry._fast[id(validator)] is not _never_sure
            compiled += 1
    assert compiled == 2 * len(registry.actions(version))


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        # draft 4: 1.0 is no integer (fastjsonschema alone would accept it)
        ({**STATUS_201, "evseId": 1.0}, ErrorKind.TYPE_CONSTRAINT_VIOLATION),
        ({**STATUS_201, "evseId": True}, ErrorKind.TYPE_CONSTRAINT_VIOLATION),
        ({**STATUS_201, "connectorStatus": "Sleeping"}, ErrorKind.PROPERTY_CONSTRAINT_VIOLATION),
        ({**STATUS_201, "extra": 1}, ErrorKind.FORMAT_VIOLATION),
        (
            {key: value for key, value in STATUS_201.items() if key != "evseId"},
            ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
        ),
    ],
)
def test_the_fast_path_refuses_what_draft4_refuses(
    schemas: SchemaRegistry, payload: dict[str, Any], kind: ErrorKind
) -> None:
    with pytest.raises(OcppError) as refused:
        schemas.validate_request(V201, "StatusNotification", payload)
    assert refused.value.kind is kind


def test_the_fast_path_alone_judges_integral_floats(schemas: SchemaRegistry) -> None:
    """Sampled values such as 16.0 are common: the fast validator (draft 4 rules) settles them, and
    refuses 1.0 where an integer is due, so no payload needs jsonschema for a float alone."""
    validator = schemas._schemas(V201, "StatusNotification").request
    assert not schemas._passes_fast(validator, {**STATUS_201, "evseId": 1.0})
    meter = schemas._schemas(V201, "MeterValues").request
    sample = {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": 16.0}, {"value": 230.0}]}
    assert schemas._passes_fast(meter, {"evseId": 1, "meterValue": [sample]})


def test_the_fast_path_leaves_a_payload_unchanged(schemas: SchemaRegistry) -> None:
    """fastjsonschema writes schema defaults into the payload unless told not to."""
    payload = copy.deepcopy(TRANSACTION_201)
    schemas.validate_request(V201, "TransactionEvent", payload)
    assert payload == TRANSACTION_201
