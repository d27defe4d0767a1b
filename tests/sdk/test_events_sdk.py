"""Events and webhooks through the Python SDK and the ``csms`` CLI, against the running system.

The test system ends every event stream after 1 s (``API_SSE_MAX_SECONDS``), so a stream read for
a few seconds is resumed with Last-Event-ID several times; nothing may be missed or repeated.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from csms_common.events import EVENT_TYPES
from csms_sdk import AsyncClient, BadRequest, Client, NotFound, verify_signature
from csms_sdk.models import Event
from tests.sdk.test_cli import CSMS, Cli
from tests.support.events import receiver
from tests.support.polling import wait_until, wait_until_async
from tests.support.stations import station201
from tests.support.system import API_TOKEN, System

pytestmark = pytest.mark.e2e

RESUMES_AT_LEAST = 2.5
"""Seconds to read the stream before acting: more than two of the test system's 1 s streams."""


def new_id() -> str:
    return f"EVT-{uuid.uuid4().hex[:12]}"


def test_stream_resumes_across_stream_ends_and_matches_the_log(system: System, client: Client) -> None:
    station_id = new_id()
    client.register_station(station_id)

    async def scenario() -> list[Event]:
        async with AsyncClient(system.api_url, token=API_TOKEN) as sdk:
            streamed: list[Event] = []

            async def follow() -> None:
                async for event in sdk.stream_events(charge_point_id=station_id):
                    streamed.append(event)

            follower = asyncio.create_task(follow())
            await asyncio.sleep(RESUMES_AT_LEAST)
            async with station201(system.gateway_url, station_id):
                for _ in range(2):
                    answer = await sdk.start_transaction(station_id, "tag-1", wait=10)
                    assert answer["state"] == "answered", answer
                    await asyncio.sleep(RESUMES_AT_LEAST / 2)  # the next call lands in another stream
                await wait_until_async(
                    lambda: sum(event["type"] == "command.answered" for event in streamed) >= 2,
                    timeout=15,
                    message="both answers streamed",
                )
            follower.cancel()
            return streamed

    streamed = asyncio.run(scenario())
    logged = list(client.iter_events(charge_point_id=station_id))
    types = [event["type"] for event in streamed]
    print(f"sdk stream: {len(streamed)} events over several 1 s streams: {types}")
    assert types[0] == "station.connected"
    assert types.count("command.sent") == 2 and types.count("command.answered") == 2
    # What the stream gave is exactly the log's stretch, in order, without gaps or repeats.
    logged_ids = [event["id"] for event in logged]
    streamed_ids = [event["id"] for event in streamed]
    start = logged_ids.index(streamed_ids[0])
    assert streamed_ids == logged_ids[start : start + len(streamed_ids)]
    filtered = list(client.iter_events(charge_point_id=station_id, types=["command.answered"], page_size=1))
    assert [event["type"] for event in filtered] == ["command.answered", "command.answered"]


def test_webhook_crud_through_the_sdk(client: Client) -> None:
    created = client.create_webhook("http://127.0.0.1:9/sdk-hook", types=["station.connected"])
    webhook_id = created["id"]
    assert len(created["secret"]) >= 16  # generated and shown once
    shown = client.get_webhook(webhook_id)
    assert "secret" not in shown and shown["types"] == ["station.connected"]
    assert webhook_id in [webhook["id"] for webhook in client.list_webhooks()]
    log = client.webhook_deliveries(webhook_id)
    assert log["id"] == webhook_id and log["deadLetters"] == []
    assert client.redeliver(webhook_id) == {"id": webhook_id, "queued": 0, "refused": 0}
    assert client.delete_webhook(webhook_id) == {"id": webhook_id, "deleted": True}
    with pytest.raises(NotFound):
        client.get_webhook(webhook_id)
    for url in ("ftp://example.com/hook", "http://169.254.169.254/latest/meta-data"):
        with pytest.raises(BadRequest, match="Invalid url"):
            client.create_webhook(url)


def test_cli_events_tail_follows_the_stream(system: System, client: Client, tmp_path: Path) -> None:
    station_id = new_id()
    client.register_station(station_id)
    cli = Cli(tmp_path, CSMS_URL=system.api_url, OCPP_API_TOKEN=API_TOKEN)
    tail = subprocess.Popen(
        [
            CSMS,
            "events",
            "tail",
            "--station",
            station_id,
            "--type",
            "command.sent,command.answered",
            "--count",
            "2",
        ],
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(RESUMES_AT_LEAST)  # the tail is listening, across at least two stream ends

        async def scenario() -> None:
            async with station201(system.gateway_url, station_id):
                await asyncio.to_thread(client.start_transaction, station_id, "tag-1", wait=10)

        asyncio.run(scenario())
        out, err = tail.communicate(timeout=30)
    finally:
        if tail.poll() is None:
            tail.kill()
    assert tail.returncode == 0, err
    lines = out.strip().splitlines()
    assert [line.split("  ")[1:3] for line in lines] == [
        ["command.sent", station_id],
        ["command.answered", station_id],
    ]
    listed = cli("events", "list", "--station", station_id, "--json")
    assert listed.returncode == 0, listed.stderr
    types = [json.loads(line)["type"] for line in listed.stdout.splitlines()]
    assert types[0] == "registration.changed"  # the registration above
    assert types.index("station.connected") < types.index("command.sent") < types.index("command.answered")
    unknown = cli("events", "tail", "--type", "no.such.type", "--count", "1")
    assert unknown.returncode == 6 and "unknown event types" in unknown.stderr
    assert wait_until(lambda: client.get_station(station_id)["connected"] is False, timeout=10)


def test_verify_signature_accepts_the_notifiers_real_deliveries(system: System, client: Client) -> None:
    """A real notifier delivers with the secret the API generated; the SDK's check accepts exactly those."""
    station_id = new_id()
    client.register_station(station_id)
    notifier = system.start("notifier", label="notifier-sdk", NOTIFIER_POLL_SECONDS="0.2")
    try:
        system.wait_ready(notifier)
        with receiver() as hook:
            webhook = client.create_webhook(hook.url, types=["station.connected", "station.disconnected"])
            try:

                async def scenario() -> None:
                    async with station201(system.gateway_url, station_id):
                        await asyncio.sleep(0.5)

                asyncio.run(scenario())
                wait_until(
                    lambda: len([d for d in hook.accepted() if d.event["chargePointId"] == station_id]) >= 2,
                    timeout=20,
                    message="both deliveries",
                )
                mine = [d for d in hook.accepted() if d.event["chargePointId"] == station_id]
            finally:
                client.delete_webhook(webhook["id"])
        secret = webhook["secret"]
        print(f"verify_signature: {len(mine)} real deliveries, headers {sorted(mine[0].headers)}")
        assert [d.event["type"] for d in mine] == ["station.connected", "station.disconnected"]
        for delivery in mine:
            assert verify_signature(secret, delivery.body, delivery.headers)
            assert not verify_signature(secret, delivery.body + b" ", delivery.headers)
            assert not verify_signature(secret[::-1], delivery.body, delivery.headers)
            assert not verify_signature(secret, delivery.body, delivery.headers, now=time.time() + 301)
    finally:
        notifier.stop()
        del system.processes["notifier-sdk"]


def test_cli_completes_event_types_from_the_served_document(system: System, tmp_path: Path) -> None:
    cli = Cli(tmp_path, CSMS_URL=system.api_url, OCPP_API_TOKEN=API_TOKEN)

    assert cli.complete("csms events tail --type command.a") == ["command.answered"]
    assert cli.complete("csms events list --type transaction.ended,transaction.s") == [
        "transaction.ended,transaction.started"
    ]
    assert set(cli.complete("csms events tail --type ")) == EVENT_TYPES
