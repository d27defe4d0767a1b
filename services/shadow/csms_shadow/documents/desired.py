"""What an operator may put in ``state.desired``: the properties the reconciler manages, checked.

Only managed properties are accepted, so nothing sits in ``desired`` that no one will ever act on
(docs/fleet.md). Every value is bounded: a desired document can cost at most a few hundred KiB
before the document budget (``SHADOW_MAX_DOCUMENT_BYTES``) refuses it anyway.
"""

from __future__ import annotations

from typing import Any

from csms_common.configuration_keys import MAX_CONFIGURATION_KEY_CHARS, MAX_CONFIGURATION_VALUE_CHARS
from csms_shadow.documents.document import JsonObject

CONFIGURATION = "configuration"
AVAILABILITY = "availability"
FIRMWARE = "firmware"
LOCAL_AUTH_LIST = "localAuthList"
MANAGED_PROPERTIES = (CONFIGURATION, AVAILABILITY, FIRMWARE, LOCAL_AUTH_LIST)
MAX_LIST_VERSION = 2**31 - 1
MAX_GROUP_CHARS = 36
"""As an id token (CiString36)."""

MAX_CONFIGURATION_KEYS = 256
"""Desired configuration keys per station (after the merge)."""
MAX_AVAILABILITY_ID = 16
"""EVSE ids (1.6 connector ids) as HANDLER_MAX_EVSE_ID's default; 0 is the whole station."""
AVAILABILITY_VALUES = ("Operative", "Inoperative")
MAX_FIRMWARE_VERSION_CHARS = 50
"""As 2.x BootNotification's firmwareVersion."""
FIRMWARE_FIELD_CHARS = {"location": 512, "signature": 800, "signingCertificate": 5500}
"""OCPP 2.0.1 FirmwareType's limits (1.6 SignedUpdateFirmware has the same)."""
FIRMWARE_SCHEMES = ("http://", "https://")


class InvalidDesired(ValueError):
    """A desired update names something the system cannot manage, or has a wrong type."""


def check_desired_patch(patch: JsonObject) -> None:
    """Raise InvalidDesired naming the first key that is not managed or not of the managed shape."""
    for name, value in patch.items():
        if name not in MANAGED_PROPERTIES:
            raise InvalidDesired(
                f"desired property '{name}' is not managed (managed: {', '.join(MANAGED_PROPERTIES)})"
            )
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InvalidDesired(f"desired '{name}' must be an object or null")
        if name == CONFIGURATION:
            _check_configuration(value)
        elif name == FIRMWARE:
            _check_firmware(value)
        elif name == LOCAL_AUTH_LIST:
            _check_local_auth_list(value)
        else:
            _check_availability(value)


def _check_configuration(configuration: JsonObject) -> None:
    for key, value in configuration.items():
        if not key or len(key) > MAX_CONFIGURATION_KEY_CHARS or not key.isprintable() or " " in key:
            raise InvalidDesired(
                f"desired configuration key '{key[:MAX_CONFIGURATION_KEY_CHARS]}' must be 1 to "
                f"{MAX_CONFIGURATION_KEY_CHARS} printable characters without spaces"
            )
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidDesired(f"desired configuration '{key}' must be a string or null")
        if len(value) > MAX_CONFIGURATION_VALUE_CHARS:
            raise InvalidDesired(
                f"desired configuration '{key}' is longer than {MAX_CONFIGURATION_VALUE_CHARS} characters"
            )


def _check_availability(availability: JsonObject) -> None:
    for key, value in availability.items():
        if not key.isdigit() or not 0 <= int(key) <= MAX_AVAILABILITY_ID or key != str(int(key)):
            raise InvalidDesired(
                f"desired availability key '{key[:20]}' must be an EVSE id from 0 (the whole station) "
                f"to {MAX_AVAILABILITY_ID}"
            )
        if value is not None and value not in AVAILABILITY_VALUES:
            raise InvalidDesired(f"desired availability '{key}' must be Operative, Inoperative or null")


def _check_firmware(firmware: JsonObject) -> None:
    """Each patch names the version and location it wants (objects merge key by key, so a
    signature left from an earlier patch is dropped with ``"signature": null``)."""
    allowed = ("version", *FIRMWARE_FIELD_CHARS)
    for key, value in firmware.items():
        if key not in allowed:
            raise InvalidDesired(f"desired firmware '{key[:50]}' is not one of {', '.join(allowed)}")
        if value is None and key in ("signature", "signingCertificate"):
            continue
        if not isinstance(value, str) or not value:
            raise InvalidDesired(f"desired firmware '{key}' must be a non-empty string")
    version = firmware.get("version")
    if version is None or len(version) > MAX_FIRMWARE_VERSION_CHARS:
        raise InvalidDesired(
            f"desired firmware needs a 'version' of 1 to {MAX_FIRMWARE_VERSION_CHARS} characters"
        )
    location = firmware.get("location")
    if location is None or not location.lower().startswith(FIRMWARE_SCHEMES):
        raise InvalidDesired("desired firmware needs a 'location' that is an http:// or https:// URL")
    for key, limit in FIRMWARE_FIELD_CHARS.items():
        if len(firmware.get(key) or "") > limit:
            raise InvalidDesired(f"desired firmware '{key}' is longer than {limit} characters")


def _check_local_auth_list(local_list: JsonObject) -> None:
    """Each patch names both: the version to hold and where its tokens come from."""
    if set(local_list) != {"version", "source"}:
        raise InvalidDesired('desired localAuthList must be {"version": N, "source": ...}')
    version = local_list["version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_LIST_VERSION:
        raise InvalidDesired(
            f"desired localAuthList 'version' must be an integer from 1 to {MAX_LIST_VERSION}"
        )
    source = local_list["source"]
    group = source.removeprefix("group:") if isinstance(source, str) else ""
    if source != "id-tokens" and not (
        isinstance(source, str) and source.startswith("group:") and 0 < len(group) <= MAX_GROUP_CHARS
    ):
        raise InvalidDesired(
            f"desired localAuthList 'source' must be 'id-tokens' or 'group:<groupIdToken>' "
            f"(1 to {MAX_GROUP_CHARS} characters)"
        )


def check_desired_document(desired: Any) -> None:
    """Raise InvalidDesired when a merged desired state is over its bounds."""
    configuration = desired.get(CONFIGURATION) if isinstance(desired, dict) else None
    if isinstance(configuration, dict) and len(configuration) > MAX_CONFIGURATION_KEYS:
        raise InvalidDesired(
            f"desired configuration would hold {len(configuration)} keys, more than {MAX_CONFIGURATION_KEYS}"
        )
