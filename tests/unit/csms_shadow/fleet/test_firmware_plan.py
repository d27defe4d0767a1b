"""Desired firmware: checks, which UpdateFirmware goes out, answers, delta and fleet standing."""

from __future__ import annotations

from typing import Any

import pytest

from csms_shadow.documents.desired import InvalidDesired, check_desired_patch
from csms_shadow.documents.document import delta_of
from csms_shadow.fleet.fleet_status import FAILED, IN_SYNC, PENDING, standing_of
from csms_shadow.fleet.reconcile_plan import call_statuses, plan_next, results_of

NOW = "2026-12-03T12:00:00Z"
WANTED = {"version": "2.1.0", "location": "https://fw.example/2.1.0.bin"}


def _plan(desired: dict[str, Any], reported: dict[str, Any], protocol: str) -> Any:
    return plan_next({"firmware": desired}, reported, protocol, request_id=7, now_iso=NOW)


def _requested(**extra: Any) -> dict[str, Any]:
    return {"firmware": {"version": "2.1.0", "location": WANTED["location"], "requestId": 7, **extra}}


@pytest.mark.parametrize(
    ("firmware", "message"),
    [
        ({"version": "1", "location": "ftp://fw.example/x"}, "http:// or https://"),
        ({"version": "1", "location": "file:///etc/passwd"}, "http:// or https://"),
        ({"location": "https://fw.example/x"}, "'version'"),
        ({"version": "1"}, "'location'"),
        ({"version": "x" * 51, "location": "https://a"}, "'version'"),
        ({"version": "1", "location": "https://a/" + "x" * 600}, "'location' is longer than 512"),
        ({"version": "1", "location": "https://a", "signature": "s" * 801}, "'signature' is longer"),
        ({"version": "1", "location": "https://a", "colour": "red"}, "'colour' is not one of"),
        ({"version": 1, "location": "https://a"}, "'version' must be a non-empty string"),
    ],
)
def test_bad_desired_firmware_is_refused(firmware: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDesired, match=message):
        check_desired_patch({"firmware": firmware})


def test_good_desired_firmware_passes() -> None:
    check_desired_patch({"firmware": {**WANTED, "signature": "c2ln", "signingCertificate": None}})
    check_desired_patch({"firmware": {**WANTED, "location": "HTTP://fw.example/a"}})
    check_desired_patch({"firmware": None})


def test_201_update_firmware_carries_request_id_and_signature() -> None:
    plan = _plan({**WANTED, "signature": "c2ln"}, {}, "2.0.1")
    assert plan.call is not None
    assert plan.call.action == "UpdateFirmware"
    assert plan.call.payload == {
        "requestId": 7,
        "firmware": {"location": WANTED["location"], "retrieveDateTime": NOW, "signature": "c2ln"},
    }
    # Written before the call: what was asked, and the previous progress deleted.
    assert plan.call.before["firmware"]["version"] == "2.1.0"
    assert plan.call.before["firmwareStatus"] is None


def test_16_plain_and_signed() -> None:
    plain = _plan(WANTED, {}, "1.6").call
    assert plain is not None
    assert (plain.action, plain.payload) == (
        "UpdateFirmware",
        {"location": WANTED["location"], "retrieveDate": NOW},
    )
    signed = _plan({**WANTED, "signature": "s", "signingCertificate": "c"}, {}, "1.6").call
    assert signed is not None and signed.action == "SignedUpdateFirmware"
    assert signed.payload["firmware"]["signingCertificate"] == "c"
    # A 1.6 signed update needs both: nothing is sent, the request is marked Invalid.
    half = _plan({**WANTED, "signature": "s"}, {}, "1.6")
    assert half.call is None
    assert half.local_statuses["firmware"]["answer"] == "Invalid"


def test_sent_once_per_version_and_location() -> None:
    in_progress = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "Downloading"}}
    assert _plan(WANTED, in_progress, "2.0.1").call is None
    refused = _requested(answer="Rejected")
    assert _plan(WANTED, refused, "2.0.1").call is None
    failed = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "InstallationFailed"}}
    assert _plan(WANTED, failed, "2.0.1").call is None
    # A new location (or version) is a new request.
    assert _plan({**WANTED, "location": "https://fw.example/b"}, failed, "2.0.1").call is not None
    assert _plan({**WANTED, "version": "2.2.0"}, failed, "2.0.1").call is not None
    # Asked, but neither answered nor any progress since (a timeout): asked again; Idle is no progress.
    assert _plan(WANTED, _requested(), "2.0.1").call is not None
    assert _plan(WANTED, {**_requested(), "firmwareStatus": {"status": "Idle"}}, "2.0.1").call is not None


def test_installed_version_is_in_sync_whatever_the_location() -> None:
    installed = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "Installed"}}
    assert delta_of({"firmware": WANTED}, installed) == {}
    moved = {**WANTED, "location": "https://mirror.example/2.1.0.bin"}
    assert delta_of({"firmware": moved}, installed) == {}
    assert _plan(moved, installed, "2.0.1").call is None
    downloading = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "Downloading"}}
    assert delta_of({"firmware": WANTED, "configuration": {"A": "1"}}, downloading) == {
        "firmware": WANTED,
        "configuration": {"A": "1"},
    }


def test_answers_fold_into_reported_firmware() -> None:
    marker = {"messageId": "m", "action": "UpdateFirmware", "property": "firmware", "items": {}}
    accepted_16 = results_of(marker, {"state": "answered", "payload": {}})
    assert accepted_16 == {"firmware": {"answer": "Accepted"}}
    rejected = results_of(marker, {"state": "answered", "payload": {"status": "InvalidCertificate"}})
    assert rejected == {"firmware": {"answer": "InvalidCertificate"}}
    assert call_statuses(marker, rejected) == {"version": "InvalidCertificate"}
    assert results_of(marker, {"state": "error", "errorCode": "NotImplemented"}) == {
        "firmware": {"answer": "CallError"}
    }
    assert results_of(marker, {"state": "timeout"}) == {}


def test_fleet_standing_of_firmware() -> None:
    def shadow(reported: dict[str, Any]) -> dict[str, Any]:
        return {"state": {"desired": {"firmware": WANTED}, "reported": reported}}

    failed = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "InstallationFailed"}}
    assert standing_of(True, shadow(failed)).category == FAILED
    assert standing_of(True, shadow(failed)).reasons == {"firmware.version": "InstallationFailed"}
    assert standing_of(True, shadow(_requested(answer="Rejected"))).reasons == {
        "firmware.version": "Rejected"
    }
    downloading = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "Downloading"}}
    assert standing_of(True, shadow(downloading)).category == PENDING
    installed = {**_requested(answer="Accepted"), "firmwareStatus": {"status": "Installed"}}
    assert standing_of(True, shadow(installed)).category == IN_SYNC
