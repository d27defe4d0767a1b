"""Id-token groups, expiry and EVSE limits with real 1.6 and 2.0.1 stations; bulk import and CSV export.

The stations here play the station's part of the group rule (both specifications leave the stop to the
station): a different token may stop a transaction when the CSMS's answer gives it the starting token's
group. The CSMS's part, checked here, is what it answers and records.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import time
import urllib.request
import uuid
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import station16, station201
from tests.support.system import READ_TOKEN, System

pytestmark = pytest.mark.e2e

PAST = "2020-01-01T00:00:00Z"
FUTURE = "2099-01-01T00:00:00Z"
T0 = "2026-01-01T10:00:00Z"


def _put(api: Api, token: str, **body: Any) -> None:
    response = api.request("PUT", f"/id-tokens/{token}", json=body)
    assert response.status_code in (200, 201), response.text


def _tokens(api: Api) -> dict[str, str]:
    """A fresh set: two tokens of one group, one of another, one expired, one limited to EVSE 1."""
    prefix = uuid.uuid4().hex[:6].upper()
    names = {role: f"{prefix}-{role}" for role in ("A", "B", "C", "EXP", "LIM")}
    group, other_group = f"G-{prefix}", f"H-{prefix}"
    _put(api, names["A"], status="Accepted", groupIdToken=group)
    _put(api, names["B"], status="Accepted", groupIdToken=group)
    _put(api, names["C"], status="Accepted", groupIdToken=other_group)
    _put(api, names["EXP"], status="Accepted", expiryDate=PAST)
    _put(api, names["LIM"], status="Accepted", evseIds=[1])
    return {**names, "group": group, "other_group": other_group}


async def _transaction(api: Api, station_id: str, transaction_id: str, status: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | NotYet:
        body = (await api.aget(f"/charge-points/{station_id}/transactions")).json()
        for record in body.get("transactions", []):
            if str(record.get("transactionId")) == transaction_id and record.get("status") == status:
                return dict(record)
        return NotYet(body)

    return await wait_until_async(found, 5.0, message=f"transaction {transaction_id} {status}")


def _parent(info: dict[str, Any]) -> Any:
    return info.get("parent_id_tag", info.get("parentIdTag"))


def test_16_group_tokens_stop_each_other_expired_refused_evse_limited(
    api: Api, system: System, registered: str
) -> None:
    tokens = _tokens(api)

    async def scenario() -> None:
        async with station16(system.gateway_url, registered) as station:
            await station.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            start = await station.call(
                call16.StartTransaction(connector_id=1, id_tag=tokens["A"], meter_start=0, timestamp=T0)
            )
            assert start.id_tag_info["status"] == "Accepted" and _parent(start.id_tag_info) == tokens["group"]

            # The station's rule (TC_069_CS): another tag stops the transaction only with the same parent.
            other = (await station.call(call16.Authorize(id_tag=tokens["C"]))).id_tag_info
            assert other["status"] == "Accepted" and _parent(other) == tokens["other_group"]
            same = (await station.call(call16.Authorize(id_tag=tokens["B"]))).id_tag_info
            assert same["status"] == "Accepted" and _parent(same) == tokens["group"]
            stop = await station.call(
                call16.StopTransaction(
                    transaction_id=start.transaction_id, id_tag=tokens["B"], meter_stop=500, timestamp=T0
                )
            )
            assert stop.id_tag_info["status"] == "Accepted" and _parent(stop.id_tag_info) == tokens["group"]
            record = await _transaction(api, registered, str(start.transaction_id), "Ended")
            assert record["idTag"] == tokens["A"] and record["stopIdTag"] == tokens["B"]

            expired = (await station.call(call16.Authorize(id_tag=tokens["EXP"]))).id_tag_info
            assert expired["status"] == "Expired"
            assert expired.get("expiry_date", expired.get("expiryDate")) == PAST

            limited_here = await station.call(
                call16.StartTransaction(connector_id=1, id_tag=tokens["LIM"], meter_start=0, timestamp=T0)
            )
            limited_there = await station.call(
                call16.StartTransaction(connector_id=2, id_tag=tokens["LIM"], meter_start=0, timestamp=T0)
            )
            assert limited_here.id_tag_info == {"status": "Accepted"}
            assert limited_there.id_tag_info == {"status": "Invalid"}

    asyncio.run(scenario())


def _event(event_type: str, trigger: str, seq_no: int, transaction_id: str, token: str, evse: int) -> Any:
    return call201.TransactionEvent(
        event_type=event_type,
        timestamp=T0,
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info={"transaction_id": transaction_id},
        id_token={"id_token": token, "type": "ISO14443"},
        evse={"id": evse},
    )


def _group(info: dict[str, Any]) -> Any:
    group = info.get("group_id_token") or info.get("groupIdToken") or {}
    return group.get("id_token", group.get("idToken"))


def test_201_group_tokens_stop_each_other_expired_refused_evse_limited(
    api: Api, system: System, registered: str
) -> None:
    tokens = _tokens(api)
    transaction_id = f"tx-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            await station.call(
                call201.BootNotification(
                    charging_station={"model": "M", "vendor_name": "V"}, reason="PowerUp"
                )
            )
            started = await station.call(_event("Started", "Authorized", 0, transaction_id, tokens["A"], 1))
            assert started.id_token_info["status"] == "Accepted"
            assert _group(started.id_token_info) == tokens["group"]

            # C09: the station compares the groups; only B's matches the one that started.
            other = (
                await station.call(call201.Authorize(id_token={"id_token": tokens["C"], "type": "ISO14443"}))
            ).id_token_info
            same = (
                await station.call(call201.Authorize(id_token={"id_token": tokens["B"], "type": "ISO14443"}))
            ).id_token_info
            assert _group(other) == tokens["other_group"] and _group(same) == tokens["group"]
            ended = await station.call(_event("Ended", "StopAuthorized", 1, transaction_id, tokens["B"], 1))
            assert (
                ended.id_token_info["status"] == "Accepted" and _group(ended.id_token_info) == tokens["group"]
            )
            record = await _transaction(api, registered, transaction_id, "Ended")
            assert record["idToken"]["idToken"] == tokens["A"]
            assert record["stopIdToken"]["idToken"] == tokens["B"]

            expired = (
                await station.call(
                    call201.Authorize(id_token={"id_token": tokens["EXP"], "type": "ISO14443"})
                )
            ).id_token_info
            assert expired["status"] == "Expired"
            assert expired.get("cache_expiry_date_time", expired.get("cacheExpiryDateTime")) == PAST

            limited = (
                await station.call(
                    call201.Authorize(id_token={"id_token": tokens["LIM"], "type": "ISO14443"})
                )
            ).id_token_info
            assert limited["status"] == "Accepted" and limited.get("evse_id", limited.get("evseId")) == [1]
            elsewhere = await station.call(
                _event("Started", "Authorized", 0, f"{transaction_id}-2", tokens["LIM"], 2)
            )
            here = await station.call(
                _event("Started", "Authorized", 0, f"{transaction_id}-3", tokens["LIM"], 1)
            )
            assert elsewhere.id_token_info["status"] == "NotAtThisLocation"
            assert here.id_token_info["status"] == "Accepted"

    asyncio.run(scenario())


def _shadow_metric(system: System, pattern: str) -> float:
    with urllib.request.urlopen(f"{system.processes['shadow'].admin_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    match = re.search(re.escape(pattern) + r" ([0-9.e+]+)", text)
    return float(match[1]) if match else 0.0


def _api_metric(api: Api, name: str) -> float:
    match = re.search(re.escape(name) + r" ([0-9.e+]+)", api.get("/metrics").text)
    return float(match[1]) if match else 0.0


def test_bulk_import_of_1000_tokens_then_csv_export(api: Api, system: System) -> None:
    prefix = uuid.uuid4().hex[:6].upper()
    entries: list[dict[str, Any]] = []
    for index in range(1000):
        # Cards as they come: 7-byte ISO 14443 UIDs, a fleet group, an expiry date.
        entry: dict[str, Any] = {
            "idToken": f"{prefix}{index:08X}",
            "status": "Accepted",
            "expiryDate": FUTURE,
        }
        if index % 3 == 0:
            entry["groupIdToken"] = f"FLEET-{index % 7}"
        if index % 10 == 0:
            entry["evseIds"] = [2, 1]
        if index % 50 == 0:
            entry["status"] = "Blocked"
        entries.append(entry)
    body = json.dumps(entries)
    # Larger than every other route's API_MAX_BODY_BYTES (64 KiB): the import has its own limit.
    assert len(body) > 64 * 1024
    stored_before = _shadow_metric(system, 'csms_shadow_id_token_imports_total{outcome="stored"}')
    imported_before = _shadow_metric(system, "csms_shadow_id_tokens_imported_total")

    started = time.perf_counter()
    first = api.request("PUT", "/id-tokens", data=body, headers={"Content-Type": "application/json"})
    seconds = time.perf_counter() - started
    assert first.status_code == 200, first.text
    assert first.json() == {"imported": 1000, "created": 1000, "replaced": 0}
    again = api.request("PUT", "/id-tokens", data=body, headers={"Content-Type": "application/json"})
    assert again.json() == {"imported": 1000, "created": 0, "replaced": 1000}
    print(f"import of 1000 tokens ({len(body)} bytes): {seconds:.3f} s")

    export = api.get("/id-tokens.csv")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = [row for row in csv.DictReader(io.StringIO(export.text)) if row["idToken"].startswith(prefix)]
    assert len(rows) == 1000
    by_token = {row["idToken"]: row for row in rows}
    for entry in entries:
        row = by_token[entry["idToken"]]
        assert row["status"] == entry["status"]
        assert row["groupIdToken"] == entry.get("groupIdToken", "")
        assert row["evseIds"] == ("1 2" if "evseIds" in entry else "")
        assert row["expiryDate"] == FUTURE
    assert api.get("/id-tokens?format=csv").text == export.text
    # A read-scope token sees only each value's last four characters, as in the JSON list.
    masked = Api(system.api_url, token=READ_TOKEN).get("/id-tokens.csv")
    masked_values = [row["idToken"] for row in csv.DictReader(io.StringIO(masked.text))]
    assert masked.status_code == 200
    assert len(masked_values) == len(list(csv.DictReader(io.StringIO(export.text))))
    assert all(value.startswith("****") and len(value) <= 8 for value in masked_values)
    assert f"****{entries[0]['idToken'][-4:]}" in masked_values

    assert _shadow_metric(system, 'csms_shadow_id_token_imports_total{outcome="stored"}') == stored_before + 2
    assert _shadow_metric(system, "csms_shadow_id_tokens_imported_total") == imported_before + 2000


def test_a_wrong_or_oversized_import_stores_nothing_and_says_why(api: Api, system: System) -> None:
    prefix = uuid.uuid4().hex[:5].upper()
    wrong = [
        {"idToken": f"{prefix}-OK", "status": "Accepted"},
        {"idToken": f"{prefix}-BAD", "status": "Maybe"},
    ]
    invalid_before = _shadow_metric(system, 'csms_shadow_id_token_imports_total{outcome="invalid"}')

    refused = api.request("PUT", "/id-tokens", json=wrong)
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("idTokens[1]: status must be one of")
    assert api.get(f"/id-tokens/{prefix}-OK").status_code == 404
    assert (
        _shadow_metric(system, 'csms_shadow_id_token_imports_total{outcome="invalid"}') == invalid_before + 1
    )

    twice = [{"idToken": f"{prefix}-T", "status": "Accepted"}] * 2
    assert "appears more than once" in api.request("PUT", "/id-tokens", json=twice).json()["error"]

    too_large_before = _api_metric(api, "csms_api_id_token_imports_too_large_total")
    too_many = [{"idToken": f"{prefix}{index}", "status": "Accepted"} for index in range(1001)]
    oversized = api.request(
        "PUT",
        "/id-tokens",
        data=json.dumps(too_many, separators=(",", ":")),
        headers={"Content-Type": "application/json"},
    )
    assert oversized.status_code == 400 and "1 to 1000" in oversized.json()["error"]
    assert api.get(f"/id-tokens/{prefix}0").status_code == 404
    assert _api_metric(api, "csms_api_id_token_imports_too_large_total") == too_large_before + 1

    beyond = api.request(
        "PUT",
        "/id-tokens",
        data="[" + " " * (1024 * 1024) + "]",
        headers={"Content-Type": "application/json"},
    )
    assert beyond.status_code == 413 and "error" in beyond.json()

    for body in ({"idToken": "x"}, [], ["x"], [{"idToken": "A B", "status": "Accepted"}]):
        answer = api.request("PUT", "/id-tokens", json=body)
        assert answer.status_code == 400 and "error" in answer.json(), (body, answer.text)
