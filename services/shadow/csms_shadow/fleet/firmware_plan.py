"""Desired firmware (pure): when to send UpdateFirmware, and where a station's update stands.

``reported.firmware`` is ``{"version", "location", "requestId", "requestedAt", "answer"}``: the
reconciler writes the first four just before it sends the call, and folds the station's answer to
the call into ``answer``. The progress is the (Signed)FirmwareStatusNotification handlers'
``reported.firmwareStatus`` (``{"status", "requestId", "updatedAt"}``), which the same pre-call write
deletes: whatever status is there afterwards is about this request. Answer and status live in
different keys, so a notification that arrives before the answer is folded is never overwritten.

A version is sent once per (version, location): a station that refused it or failed to install it
is not sent it again (change the location or the version to try again); a call that got no answer
at all (no ``answer``, no ``status``) is sent again.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]  # as csms_shadow.documents.document's, which imports this module

FIRMWARE = "firmware"
FIRMWARE_STATUS = "firmwareStatus"
UPDATE_FIRMWARE = "UpdateFirmware"
SIGNED_UPDATE_FIRMWARE = "SignedUpdateFirmware"
INSTALLED = "Installed"
ACCEPTED_ANSWERS = frozenset({"Accepted", "AcceptedCanceled"})
FAILED_STATUSES = frozenset(
    {"DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature"}
)
"""Notification statuses after which the station will not install this version by itself."""
ANSWER_STATUSES = frozenset(
    {"Accepted", "AcceptedCanceled", "Rejected", "InvalidCertificate", "RevokedCertificate"}
)


def _reported(reported: JsonObject) -> JsonObject:
    value = reported.get(FIRMWARE)
    return value if isinstance(value, dict) else {}


def progress_of(reported: JsonObject) -> str | None:
    """The station's last firmware status since the request (Idle says nothing about it)."""
    value = reported.get(FIRMWARE_STATUS)
    status = value.get("status") if isinstance(value, dict) else None
    return None if status in (None, "Idle") else str(status)


def firmware_installed(desired: Any, reported: JsonObject) -> bool:
    """In sync: the station reports the desired version Installed."""
    have = _reported(reported)
    return (
        isinstance(desired, dict)
        and have.get("version") == desired.get("version")
        and progress_of(reported) == INSTALLED
    )


def _same_request(desired: JsonObject, have: JsonObject) -> bool:
    return have.get("version") == desired.get("version") and have.get("location") == desired.get("location")


def firmware_failure(desired: Any, reported: JsonObject) -> str | None:
    """Why the station will not get the desired version by itself (its answer or its status), or None."""
    have = _reported(reported)
    if not isinstance(desired, dict) or not _same_request(desired, have):
        return None
    answer = have.get("answer")
    if answer is not None and answer not in ACCEPTED_ANSWERS:
        return str(answer)
    status = progress_of(reported)
    if status in FAILED_STATUSES:
        return str(status)
    return None


def firmware_needs_call(desired: Any, reported: JsonObject) -> bool:
    """Whether UpdateFirmware should go out: not installed, and not asked for this version yet
    (or asked, without any answer or progress since)."""
    if not isinstance(desired, dict) or firmware_installed(desired, reported):
        return False
    have = _reported(reported)
    if not _same_request(desired, have):
        return True
    return have.get("answer") is None and progress_of(reported) is None


def update_firmware_call(
    desired: JsonObject, protocol: str, request_id: int, now_iso: str
) -> tuple[str, JsonObject] | None:
    """(action, payload) for the station's version, or None when its version cannot carry it
    (1.6 SignedUpdateFirmware needs both signature and signingCertificate)."""
    signature = desired.get("signature")
    certificate = desired.get("signingCertificate")
    location = str(desired["location"])
    if protocol == "1.6":
        if signature is None and certificate is None:
            return UPDATE_FIRMWARE, {"location": location, "retrieveDate": now_iso}
        if signature is None or certificate is None:
            return None
        firmware_16: JsonObject = {
            "location": location,
            "retrieveDateTime": now_iso,
            "signingCertificate": certificate,
            "signature": signature,
        }
        return SIGNED_UPDATE_FIRMWARE, {"requestId": request_id, "firmware": firmware_16}
    firmware: JsonObject = {"location": location, "retrieveDateTime": now_iso}
    if signature is not None:
        firmware["signature"] = signature
    if certificate is not None:
        firmware["signingCertificate"] = certificate
    return UPDATE_FIRMWARE, {"requestId": request_id, "firmware": firmware}


def requested(desired: JsonObject, request_id: int, now_iso: str) -> JsonObject:
    """The reported patch written before the call goes out: what was asked, no answer or status yet."""
    return {
        FIRMWARE: {
            "version": desired["version"],
            "location": desired["location"],
            "requestId": request_id,
            "requestedAt": now_iso,
            "answer": None,
        },
        FIRMWARE_STATUS: None,
    }


def answer_of(action: str, command: JsonObject) -> str | None:
    """The station's answer to the call from its command record; None when it got none."""
    state = command.get("state")
    if state == "error":
        return "CallError"
    if state != "answered":
        return None
    payload = command.get("payload") or {}
    if action == UPDATE_FIRMWARE and "status" not in payload:
        return "Accepted"  # 1.6 UpdateFirmware.conf is empty: the station took it
    return str(payload.get("status", "Invalid"))
