"""The sample log and the running count against a real Redis.

The log is appended to in one round trip (a redelivered entry kept once, thinned past its cap, an
old one-string log converted); a running session computed from its running count equals the full
recount of its whole log, before and after a late reading forces the recount.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from redis.asyncio import Redis

from csms_common import fast_json
from csms_common.billing.cdr import PartyId
from csms_common.billing.session import SessionInputs, build_session
from csms_shadow.billing.billing_config import BillingSettings
from csms_shadow.billing.billing_store import DEFAULT_TARGET, BillingStore
from csms_shadow.billing.sessions import SessionKeeper
from csms_shadow.storage.keys import Keys
from csms_shadow.tokens.tokens import IdTokenStore
from tests.support import infra
from tests.unit.csms_common.billing.messages import energy_tariff

pytestmark = pytest.mark.integration
START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
SETTINGS = BillingSettings(
    cost_update_seconds=0,
    max_evse_power_w=Decimal(22_000),
    samples_per_session=200,
    sessions_per_station=10,
    max_tariffs=10,
    recompute_seconds=0,
    party=PartyId("XX", "CSM"),
)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _entry(minute: int, wh: int, context: str = "Sample.Periodic") -> dict[str, Any]:
    sampled = {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register"}
    return {"meterValue": [{"timestamp": _iso(START + timedelta(minutes=minute)), "sampledValue": [sampled]}]}


def test_the_log_appends_once_thins_and_converts_an_old_log(redis_service: infra.RunningService) -> None:
    async def scenario() -> None:
        client = Redis.from_url(redis_service.url)
        prefix = f"log-{uuid.uuid4().hex[:8]}:"
        store = BillingStore(client, prefix, max_tariffs=10, sessions_per_station=10)
        try:
            for minute in range(5):
                await store.add_samples("CP:1", _entry(minute, 100 * minute), cap=4)
            await store.add_samples("CP:1", _entry(4, 400), cap=4)  # a redelivery
            log = await store.samples("CP:1")
            assert [e["meterValue"][0]["sampledValue"][0]["value"] for e in log.entries] == [0, 100, 300, 400]
            assert log.thinned == 1
            assert [
                e["meterValue"][0]["sampledValue"][0]["value"]
                for e in (await store.samples("CP:1", 2)).entries
            ] == [300, 400]

            old = {"entries": [_entry(0, 0), _entry(1, 100)], "thinned": 3}
            await client.set(Keys(prefix).session_samples("CP:2"), fast_json.dumps(old))
            await store.add_samples("CP:2", _entry(1, 100), cap=10)  # already there: kept once
            await store.add_samples("CP:2", _entry(2, 200), cap=10)
            log = await store.samples("CP:2")
            assert log.entries == [_entry(0, 0), _entry(1, 100), _entry(2, 200)]
            assert log.thinned == 3
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_a_running_session_from_its_running_count_equals_the_full_recount(
    redis_service: infra.RunningService,
) -> None:
    async def scenario() -> None:
        client = Redis.from_url(redis_service.url)
        prefix = f"count-{uuid.uuid4().hex[:8]}:"
        store = BillingStore(client, prefix, max_tariffs=10, sessions_per_station=10)
        keeper = SessionKeeper(store, IdTokenStore(client, prefix), SETTINGS, prefix)
        record = {
            "transactionId": "tx-1",
            "status": "Active",
            "startTime": _iso(START),
            "idToken": {"idToken": "TAG", "type": "ISO14443"},
            "events": [{"eventType": "Started", "seqNo": 0, "triggerReason": "Authorized"}],
        }

        async def both() -> tuple[dict[str, Any], dict[str, Any]]:
            running = await keeper.compute("CP", record)
            log = await store.samples("CP:tx-1")
            tariffs = await keeper.tariffs_for("CP", "TAG")
            inputs = SessionInputs(
                "CP", record, log.entries, tariffs, SETTINGS.max_evse_power_w, SETTINGS.party, log.thinned
            )
            full = build_session(inputs, datetime.fromisoformat(running["updatedAt"].replace("Z", "+00:00")))
            return running, full

        try:
            await store.put_tariff(energy_tariff(0.3))
            await store.assign(DEFAULT_TARGET, ["energy-0.3"])
            for minute in range(12):
                body = {
                    "meterValues": _entry(
                        minute, 1000 + 300 * minute, "Transaction.Begin" if minute == 0 else "Sample.Periodic"
                    )["meterValue"],
                    "event": {"seqNo": minute},
                }
                await keeper.store_samples("CP", "tx-1", body)
                running, full = await both()
                assert running == full
            count = await store.running_count("CP:tx-1")
            assert count is not None and count["count"]["entries"] == 12  # counted, not recounted

            late = {"meterValues": _entry(5, 2400)["meterValue"], "event": {"seqNo": 40}}  # (5 min, 2,400 Wh)
            await keeper.store_samples("CP", "tx-1", late)
            running, full = await both()
            assert running == full
            assert any("out of order" in note for note in running["energyNotes"])
            assert await store.running_count("CP:tx-1") == {"recount": True}
        finally:
            await client.aclose()

    asyncio.run(scenario())
