"""Webhooks end to end: a real notifier process delivering real stations' events to a receiver here."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from csms_common.webhooks import signature
from tests.support.api import Api
from tests.support.events import (
    RECEIVER_SECRET,
    WebhookReceiver,
    admin_session,
    event_id_key,
    private_system,
    receiver,
)
from tests.support.polling import wait_until
from tests.support.stations import station201
from tests.support.system import ServiceProcess, System
from tests.support.transactions import RetryingStation, transaction_event_call, transaction_events

pytestmark = pytest.mark.e2e

NOTIFIER_SETTINGS = {
    "NOTIFIER_RETRY_BASE": "0.2",
    "NOTIFIER_RETRY_MAX": "2",
    "NOTIFIER_MAX_ATTEMPTS": "5",
    "NOTIFIER_POLL_SECONDS": "0.5",
    "NOTIFIER_TIMEOUT": "1",
}


@pytest.fixture(scope="module")
def notifier(system: System) -> Iterator[ServiceProcess]:
    # Webhooks other tests left (schemathesis creates some) would share the notifier's attention.
    api = Api(system.api_url)
    for webhook in api.get("/webhooks").json()["webhooks"]:
        api.delete(f"/webhooks/{webhook['id']}")
    process = system.start("notifier", label="notifier", **NOTIFIER_SETTINGS)
    system.wait_ready(process)
    yield system.processes["notifier"]
    system.processes["notifier"].stop()
    del system.processes["notifier"]


class Webhooks:
    """Creates webhooks through the API and deletes them after the test."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.created: list[str] = []

    def create(self, url: str, types: list[str], secret: str = RECEIVER_SECRET) -> dict[str, Any]:
        response = self.api.post("/webhooks", json={"url": url, "types": types, "secret": secret})
        assert response.status_code == 201, response.text
        webhook: dict[str, Any] = response.json()
        self.created.append(webhook["id"])
        return webhook


@pytest.fixture
def webhooks(api: Api) -> Iterator[Webhooks]:
    made = Webhooks(api)
    yield made
    for webhook_id in made.created:
        api.delete(f"/webhooks/{webhook_id}")


def _of_station(hook: WebhookReceiver, station_id: str) -> list[dict[str, Any]]:
    """Accepted deliveries for the station, first copy of each event id, in arrival order."""
    seen: dict[str, dict[str, Any]] = {}
    for delivery in hook.accepted():
        if delivery.event["chargePointId"] == station_id:
            seen.setdefault(delivery.event["id"], delivery.event)
    return list(seen.values())


def _more_than(hook: WebhookReceiver, count: int) -> bool:
    return len(hook.accepted()) > count


def test_ordered_signed_deliveries_after_three_failures(
    api: Api, system: System, notifier: ServiceProcess, webhooks: Webhooks, registered: str
) -> None:
    wanted = ["station.connected", "transaction.started", "transaction.ended", "command.answered"]
    with receiver(fail_first=3) as hook:
        webhook = webhooks.create(hook.url, wanted)
        assert "secret" not in webhook and webhook["types"] == wanted

        async def scenario() -> None:
            async with station201(system.gateway_url, registered) as station:
                await station.call(transaction_event_call("Started", 0, "tx-w1"))
                await station.call(transaction_event_call("Ended", 1, "tx-w1"))
                reset = await api.apost(
                    f"/charge-points/{registered}/commands/Reset?wait=5", json={"type": "Immediate"}
                )
                assert reset.status_code == 200, reset.text

        started = time.monotonic()
        asyncio.run(scenario())
        assert wait_until(lambda: len(_of_station(hook, registered)) >= len(wanted), 20), hook.requests
        elapsed = time.monotonic() - started
        delivered = _of_station(hook, registered)
        print(
            f"webhook: {len(hook.requests)} requests ({hook.requests[0].answered}, {hook.requests[1].answered}, "
            f"{hook.requests[2].answered} first), delivered {[e['type'] for e in delivered]} in {elapsed:.1f} s"
        )
        assert [event["type"] for event in delivered] == wanted
        assert [event_id_key(e["id"]) for e in delivered] == sorted(event_id_key(e["id"]) for e in delivered)
        # The first event was refused three times, then delivered on its fourth attempt.
        first_four = hook.requests[:4]
        assert [delivery.answered for delivery in first_four] == [500, 500, 500, 200]
        assert {delivery.event["id"] for delivery in first_four} == {delivered[0]["id"]}
        assert [delivery.headers[signature.ATTEMPT_HEADER] for delivery in first_four] == ["1", "2", "3", "4"]
        for delivery in hook.requests:
            assert delivery.signed, delivery.headers
            assert delivery.headers[signature.EVENT_ID_HEADER] == delivery.event["id"]
            assert delivery.headers[signature.WEBHOOK_ID_HEADER] == webhook["id"]
        # A tampered body or another secret does not verify.
        sample = hook.requests[-1]
        stamp, mark = sample.headers[signature.TIMESTAMP_HEADER], sample.headers[signature.SIGNATURE_HEADER]
        assert not signature.verify(RECEIVER_SECRET, stamp, mark, sample.body + b" ", time.time())
        assert not signature.verify("another-secret-0123456789", stamp, mark, sample.body, time.time())

        log = api.get(f"/webhooks/{webhook['id']}/deliveries").json()
        outcomes = Counter(entry["outcome"] for entry in log["deliveries"])
        print(f"delivery log: {dict(outcomes)}")
        assert outcomes["failed"] == 3 and outcomes["delivered"] >= 4
        assert log["deadLetters"] == []


def test_notifier_killed_mid_stream_loses_nothing(
    api: Api, system: System, notifier: ServiceProcess, webhooks: Webhooks, registered: str
) -> None:
    wanted = ["transaction.started", "transaction.updated", "transaction.ended"]
    with receiver(delay=0.01) as hook:
        webhooks.create(hook.url, wanted)
        station = RetryingStation(registered, lambda: [system.gateway_url], answer_timeout=5, pause=0.0)
        stop_at = time.monotonic() + 6

        async def stream() -> None:
            number = 0
            try:
                while time.monotonic() < stop_at:
                    number += 1
                    transaction_id = f"tx-k{number}"
                    for seq_no, payload in enumerate(transaction_events(transaction_id, number)):
                        await station.call(f"{transaction_id}-{seq_no}", "TransactionEvent", payload)
            finally:
                await station.close()

        async def kill_and_restart() -> None:
            await asyncio.sleep(2)
            notifier.stop(signal.SIGKILL)
            await asyncio.sleep(1.5)
            restarted = system.start("notifier", label="notifier", **NOTIFIER_SETTINGS)
            await asyncio.to_thread(system.wait_ready, restarted)

        async def scenario() -> None:
            await asyncio.gather(stream(), kill_and_restart())

        asyncio.run(scenario())
        expected: list[str] = []
        after = None
        while True:
            params: dict[str, Any] = {"chargePointId": registered, "type": ",".join(wanted), "limit": 1000}
            if after:
                params["after"] = after
            page = api.get("/events", params=params).json()
            expected += [event["id"] for event in page["events"]]
            if not page["events"]:
                break
            after = page["next"]
        assert len(expected) >= 8
        assert wait_until(lambda: set(expected) <= set(hook.accepted_ids()), 30)
        received = [e for e in hook.accepted_ids() if e in set(expected)]
        lost = len(set(expected) - set(received))
        duplicated = len(received) - len(set(received))
        print(
            f"kill notifier: events {len(expected)}, deliveries {len(received)}, lost {lost}, "
            f"duplicated {duplicated} (allowed: at least once)"
        )
        assert lost == 0
        # Per webhook, in order: the first copies arrive in event-id order.
        first_copies = list(dict.fromkeys(received))
        assert first_copies == sorted(first_copies, key=event_id_key)


def test_webhook_urls_are_checked(api: Api, system: System, webhooks: Webhooks) -> None:
    refused = {
        "metadata address": "http://169.254.169.254/latest/meta-data",
        "private network": "http://10.1.2.3/hook",
        "not http": "ftp://example.com/hook",
        "credentials": "http://user:secret@127.0.0.1/hook",
        "no host": "http:///hook",
        "ipv4-mapped metadata": "http://[::ffff:169.254.169.254]/",
    }
    for name, url in refused.items():
        response = api.post("/webhooks", json={"url": url, "secret": RECEIVER_SECRET})
        print(f"webhook url ({name}): {response.status_code} {response.json()['error']}")
        assert response.status_code == 400, name
    bad_bodies = [
        {"url": "http://127.0.0.1:9/x", "types": ["no.such.type"]},
        {"url": "http://127.0.0.1:9/x", "types": ["station.connected"] * 33},
        {"url": "http://127.0.0.1:9/x", "secret": "short"},
        {"url": "http://127.0.0.1:9/x", "types": "station.connected"},
    ]
    for body in bad_bodies:
        response = api.post("/webhooks", json=body)
        assert response.status_code == 400, (body, response.text)
    # Without an allow-list (the default outside make run and these tests), loopback is refused too.
    strict = system.start("remote-api", label="api-no-allow-list", WEBHOOK_ALLOWED_NETWORKS="")
    try:
        system.wait_ready(strict)
        with admin_session() as session:
            for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/hook"):
                response = session.post(f"{strict.admin_url}/webhooks", json={"url": url}, timeout=10)
                print(
                    f"webhook url {url} without allow-list: {response.status_code} {response.json()['error']}"
                )
                assert response.status_code == 400
    finally:
        strict.stop()
        del system.processes["api-no-allow-list"]


def test_dead_letters_and_redelivery(
    api: Api, system: System, notifier: ServiceProcess, webhooks: Webhooks, registered: str
) -> None:
    with receiver(fail_first=10**6) as hook:
        webhook = webhooks.create(hook.url, ["registration.changed"])
        assert api.request("PATCH", f"/charge-points/{registered}", json={"registrationStatus": "Pending"}).ok

        def dead_letters() -> list[dict[str, Any]]:
            letters: list[dict[str, Any]] = api.get(f"/webhooks/{webhook['id']}/deliveries").json()[
                "deadLetters"
            ]
            return letters

        assert wait_until(lambda: len(dead_letters()) == 1, 20)
        letter = dead_letters()[0]
        print(f"dead letter after {len(hook.requests)} attempts: {letter}")
        assert len(hook.requests) == 5 and letter["attempt"] == 5 and letter["outcome"] == "dead"
        hook.fail_first = 0
        with hook.lock:
            hook.requests.clear()
        answer = api.post(f"/webhooks/{webhook['id']}/redeliver", json={})
        assert answer.status_code == 202 and answer.json()["queued"] == 1
        assert wait_until(lambda: hook.accepted_ids() == [letter["eventId"]], 10)
        assert wait_until(lambda: dead_letters() == [], 5)
        gone = api.post(f"/webhooks/{webhook['id']}/redeliver", json={"eventIds": ["1-0"]})
        assert gone.status_code == 410
        assert api.post("/webhooks/wh_nope/redeliver", json={}).status_code == 404


def test_a_slow_receiver_does_not_slow_the_others(
    api: Api, system: System, notifier: ServiceProcess, webhooks: Webhooks, registered: str
) -> None:
    with receiver(delay=3.0) as slow, receiver() as quick:
        webhooks.create(slow.url, ["registration.changed"])
        webhooks.create(quick.url, ["registration.changed"])
        latencies = []
        for status in ("Pending", "Accepted", "Pending", "Accepted"):
            sent = time.monotonic()
            count = len(quick.accepted())
            assert api.request(
                "PATCH", f"/charge-points/{registered}", json={"registrationStatus": status}
            ).ok
            assert wait_until(partial(_more_than, quick, count), 10, interval=0.02)
            latencies.append(time.monotonic() - sent)
        print(
            f"quick receiver latency beside one that never answers in time: "
            f"max {max(latencies) * 1000:.0f} ms, slow receiver got {slow.arrivals} attempts, none answered in time"
        )
        assert max(latencies) < 2.0
        assert slow.arrivals >= 1


def test_webhooks_per_deployment_are_capped(tmp_path: Path) -> None:
    with private_system(tmp_path, SHADOW_WEBHOOKS_MAX="2") as private:
        with admin_session() as session:
            answers = [
                session.post(
                    f"{private.api_url}/webhooks", json={"url": f"http://127.0.0.1:9/{n}"}, timeout=10
                )
                for n in range(3)
            ]
            print(f"webhook cap 2: {[a.status_code for a in answers]}")
            assert [a.status_code for a in answers] == [201, 201, 409]
            assert len(answers[0].json()["secret"]) >= 16  # generated, shown once
            listed = session.get(f"{private.api_url}/webhooks", timeout=10).json()["webhooks"]
            assert len(listed) == 2 and all("secret" not in webhook for webhook in listed)


def test_shadow_killed_mid_stream_loses_no_event(
    api: Api, system: System, notifier: ServiceProcess, webhooks: Webhooks, registered: str
) -> None:
    """The shadow service (which appends the events) SIGKILLed and restarted during a transaction stream:
    every TransactionEvent the CSMS recorded reaches the webhook as an event (by transaction and seqNo)."""
    wanted = ["transaction.started", "transaction.updated", "transaction.ended"]
    with receiver() as hook:
        webhooks.create(hook.url, wanted)
        station = RetryingStation(registered, lambda: [system.gateway_url], answer_timeout=5, pause=0.0)
        stop_at = time.monotonic() + 5

        async def stream() -> None:
            number = 0
            try:
                while time.monotonic() < stop_at:
                    number += 1
                    transaction_id = f"tx-s{number}"
                    for seq_no, payload in enumerate(transaction_events(transaction_id, number)):
                        await station.call(f"{transaction_id}-{seq_no}", "TransactionEvent", payload)
            finally:
                await station.close()

        async def kill_and_restart() -> None:
            await asyncio.sleep(1.5)
            system.processes["shadow"].stop(signal.SIGKILL)
            await asyncio.sleep(1.0)
            restarted = system.start("shadow")
            await asyncio.to_thread(system.wait_ready, restarted)

        async def scenario() -> None:
            await asyncio.gather(stream(), kill_and_restart())

        asyncio.run(scenario())
        records = api.get(f"/charge-points/{registered}/transactions").json()["transactions"]
        recorded = {(r["transactionId"], entry["seqNo"]) for r in records for entry in r["events"]}
        assert len(recorded) >= 8

        def delivered() -> set[tuple[str, int]]:
            return {
                (e["payload"]["transactionId"], e["payload"]["seqNo"]) for e in _of_station(hook, registered)
            }

        wait_until(lambda: recorded <= delivered(), 30)
        events = _of_station(hook, registered)
        lost = len(recorded - delivered())
        print(
            f"kill shadow: transaction events recorded {len(recorded)}, delivered as events {len(delivered())} "
            f"(distinct ids {len(events)}), lost {lost}"
        )
        assert lost == 0
        # One id per recorded event: a redelivered message after the kill did not append it twice.
        assert len(events) == len(delivered())
