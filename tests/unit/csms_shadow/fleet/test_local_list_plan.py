"""Desired local authorization list (pure): version check, Full vs Differential, splitting, answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from csms_shadow.documents.desired import InvalidDesired, check_desired_patch
from csms_shadow.fleet.fleet_status import FAILED, standing_of
from csms_shadow.fleet.local_list_plan import (
    LocalListInput,
    entry_of,
    kept_after,
    local_list_results,
    needs_tokens,
    plan_local_list,
)
from csms_shadow.fleet.reconcile_plan import plan_next

NOW = datetime(2026, 12, 3, tzinfo=UTC)
WANTED = {"version": 3, "source": "group:G"}


def _tokens(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"idToken": f"T{index:03}", "status": "Accepted", "groupIdToken": "G", **extra}
        for index in range(count)
    ]


def _checked(version: int | None, **extra: Any) -> dict[str, Any]:
    # limitsChecked: a 1.6 station was asked its SendLocalListMaxLength (it had none).
    return {"localAuthList": {"version": version, "checkedFor": 3, "limitsChecked": True, **extra}}


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 0, "source": "id-tokens"},
        {"version": 1, "source": "group:"},
        {"version": 1},
        {"version": True, "source": "id-tokens"},
    ],
)
def test_bad_desired_lists_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidDesired, match="localAuthList"):
        check_desired_patch({"localAuthList": bad})


def test_the_station_version_is_asked_first() -> None:
    call = plan_local_list(WANTED, {}, "1.6", LocalListInput(_tokens(2), None, NOW))
    assert call is not None and call.action == "GetLocalListVersion"
    answer = local_list_results(
        {"action": "GetLocalListVersion", "items": call.items},
        {"state": "answered", "payload": {"listVersion": 2}},
    )
    assert answer == {"localAuthList": {"version": 2, "checkedFor": 3}}


def test_full_when_the_station_holds_a_version_we_did_not_keep() -> None:
    kept = {"version": 2, "entries": {}}
    call = plan_local_list(WANTED, _checked(5), "1.6", LocalListInput(_tokens(2), kept, NOW))
    assert call is not None and call.payload["updateType"] == "Full"
    assert call.payload["listVersion"] == 3
    assert [entry["idTag"] for entry in call.payload["localAuthorizationList"]] == ["T000", "T001"]
    # Version 0 (empty) is Full too, even when we kept a list 0 (nothing to differ from).
    call = plan_local_list(
        WANTED, _checked(0), "1.6", LocalListInput(_tokens(1), {"version": 0, "entries": {}}, NOW)
    )
    assert call is not None and call.payload["updateType"] == "Full"


def test_differential_from_the_kept_version() -> None:
    tokens = _tokens(3)
    held = {entry["idTag"]: entry for entry in (entry_of(record, NOW, True) for record in tokens[:2])}
    held["GONE"] = {"idTag": "GONE", "idTagInfo": {"status": "Accepted"}}
    tokens[1]["status"] = "Blocked"
    call = plan_local_list(
        WANTED, _checked(2), "1.6", LocalListInput(tokens, {"version": 2, "entries": held}, NOW)
    )
    assert call is not None and call.payload["updateType"] == "Differential"
    assert call.payload["localAuthorizationList"] == [
        {"idTag": "T001", "idTagInfo": {"status": "Blocked", "parentIdTag": "G"}},
        {"idTag": "T002", "idTagInfo": {"status": "Accepted", "parentIdTag": "G"}},
        {"idTag": "GONE"},
    ]


def test_201_splits_by_items_and_bytes_per_message() -> None:
    reported = {**_checked(0), "configuration": {"LocalAuthListCtrlr.ItemsPerMessage": "4"}}
    call = plan_local_list(WANTED, reported, "2.0.1", LocalListInput(_tokens(10), None, NOW))
    assert call is not None and len(call.payload["localAuthorizationList"]) == 4
    assert (call.payload["updateType"], call.payload["versionNumber"], call.items["last"]) == ("Full", 3, "0")
    # Accepted: the station holds version 3 with those 4; the rest goes as Differential of version 3.
    kept = kept_after(None, call.payload, v16=False)
    patch = local_list_results(
        {"action": "SendLocalList", "items": call.items},
        {"state": "answered", "payload": {"status": "Accepted"}},
    )
    assert patch["localAuthList"]["version"] == 3 and patch["localAuthList"]["source"] is None
    after = {**reported, "localAuthList": {**reported["localAuthList"], **patch["localAuthList"]}}
    second = plan_local_list(WANTED, after, "2.0.1", LocalListInput(_tokens(10), kept, NOW))
    assert second is not None and second.payload["updateType"] == "Differential"
    assert len(second.payload["localAuthorizationList"]) == 4
    by_bytes = {**_checked(0), "configuration": {"LocalAuthListCtrlr.BytesPerMessage": "500"}}
    small = plan_local_list(WANTED, by_bytes, "2.0.1", LocalListInput(_tokens(10), None, NOW))
    assert small is not None and 0 < len(small.payload["localAuthorizationList"]) < 10


def test_201_entries_carry_the_evses_a_token_is_limited_to() -> None:
    record = {"idToken": "T1", "status": "Accepted", "evseIds": [1, 3]}
    entry = entry_of(record, NOW, v16=False)
    assert entry == {
        "idToken": {"idToken": "T1", "type": "Central"},
        "idTokenInfo": {"status": "Accepted", "evseId": [1, 3]},
    }
    assert "evseId" not in entry_of({"idToken": "T2", "status": "Accepted"}, NOW, v16=False)["idTokenInfo"]
    assert entry_of(record, NOW, v16=True) == {"idTag": "T1", "idTagInfo": {"status": "Accepted"}}


def test_16_limits_are_asked_then_split_by_send_local_list_max_length() -> None:
    unchecked = {"localAuthList": {"version": 0, "checkedFor": 3}}
    ask = plan_local_list(WANTED, unchecked, "1.6", LocalListInput(_tokens(10), None, NOW))
    assert ask is not None and ask.action == "GetConfiguration"
    assert ask.payload == {"key": ["SendLocalListMaxLength", "LocalAuthListMaxLength"]}
    answer = local_list_results(
        {"action": "GetConfiguration", "items": ask.items},
        {
            "state": "answered",
            "payload": {
                "configurationKey": [
                    {"key": "SendLocalListMaxLength", "readonly": True, "value": "4"},
                    {"key": "LocalAuthListMaxLength", "readonly": True, "value": "10"},
                ]
            },
        },
    )
    assert answer == {
        "localAuthList": {"limitsChecked": True},
        "configuration": {"SendLocalListMaxLength": "4", "LocalAuthListMaxLength": "10"},
    }
    reported = {
        "localAuthList": {**unchecked["localAuthList"], **answer["localAuthList"]},
        "configuration": answer["configuration"],
    }
    first = plan_local_list(WANTED, reported, "1.6", LocalListInput(_tokens(10), None, NOW))
    assert first is not None and first.action == "SendLocalList"
    assert (first.payload["updateType"], first.payload["listVersion"], first.items["last"]) == (
        "Full",
        3,
        "0",
    )
    assert len(first.payload["localAuthorizationList"]) == 4
    # Known from the reported configuration (an operator's GetConfiguration): not asked.
    known = {"localAuthList": {"version": 0, "checkedFor": 3}, "configuration": answer["configuration"]}
    sent = plan_local_list(WANTED, known, "1.6", LocalListInput(_tokens(10), None, NOW))
    assert sent is not None and sent.action == "SendLocalList"
    # Unknown keys: one message, as before.
    silent = local_list_results(
        {"action": "GetConfiguration", "items": ask.items},
        {"state": "answered", "payload": {"unknownKey": ["SendLocalListMaxLength"]}},
    )
    assert silent == {"localAuthList": {"limitsChecked": True}}
    whole = plan_local_list(WANTED, _checked(0), "1.6", LocalListInput(_tokens(10), None, NOW))
    assert whole is not None and len(whole.payload["localAuthorizationList"]) == 10


def test_16_list_longer_than_local_auth_list_max_length_is_invalid_without_a_call() -> None:
    reported = {**_checked(0), "configuration": {"LocalAuthListMaxLength": "9"}}
    plan = plan_next(
        {"localAuthList": WANTED}, reported, "1.6", local_list=LocalListInput(_tokens(10), None, NOW)
    )
    assert plan.call is None
    assert plan.local_statuses["localAuthList"] == {
        "status": "Invalid",
        "statusVersion": 3,
        "reason": "10 tokens, more than LocalAuthListMaxLength (9)",
    }
    # 2.x has no such key: the same list goes out.
    assert plan_next(
        {"localAuthList": WANTED}, reported, "2.0.1", local_list=LocalListInput(_tokens(10), None, NOW)
    ).call


def test_last_part_accepted_is_in_sync_and_refusals_are_kept() -> None:
    items = {"version": "3", "source": "group:G", "updateType": "Full", "last": "1"}
    done = local_list_results(
        {"action": "SendLocalList", "items": items}, {"state": "answered", "payload": {"status": "Accepted"}}
    )
    reported = {"localAuthList": {"checkedFor": 3, **done["localAuthList"]}}
    assert plan_local_list(WANTED, reported, "1.6", LocalListInput(_tokens(1), None, NOW)) is None
    refused = local_list_results(
        {"action": "SendLocalList", "items": items},
        {"state": "answered", "payload": {"status": "VersionMismatch"}},
    )
    reported = {"localAuthList": {"checkedFor": 3, "version": 2, **refused["localAuthList"]}}
    assert plan_local_list(WANTED, reported, "1.6", LocalListInput(_tokens(1), None, NOW)) is None
    standing = standing_of(True, {"state": {"desired": {"localAuthList": WANTED}, "reported": reported}})
    assert standing.category == FAILED and standing.reasons == {"localAuthList.version": "VersionMismatch"}


def test_too_many_tokens_is_invalid_without_a_call() -> None:
    plan = plan_next(
        {"localAuthList": WANTED}, _checked(0), "1.6", local_list=LocalListInput(_tokens(5001), None, NOW)
    )
    assert plan.call is None
    assert plan.local_statuses["localAuthList"]["status"] == "Invalid"


def test_tokens_are_read_only_when_a_list_goes_out() -> None:
    assert not needs_tokens(WANTED, {})  # the version is asked first
    assert needs_tokens(WANTED, _checked(2))
    assert not needs_tokens(WANTED, _checked(3, source="group:G"))  # in sync
    assert not needs_tokens(WANTED, _checked(2, status="Failed", statusVersion=3))  # refused
    assert not needs_tokens(None, _checked(2))
