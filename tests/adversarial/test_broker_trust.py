"""Trust boundaries on the broker: no login may act as another (docs/broker-trust.md).

Each test plays a service login (or the read-only ``monitor``) turned attacker against the private,
locked-down broker the suite starts, and prints what the attacker achieved.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import re
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as paho
import pytest
import websockets
from ocpp.v201 import call as call201
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.support import infra
from tests.support.adversary import basic
from tests.support.api import Api
from tests.support.polling import wait_until
from tests.support.raw_calls import call, heartbeat
from tests.support.stations import station201
from tests.support.system import System

pytestmark = pytest.mark.e2e

NOT_AUTHORIZED = 135
UPDATES = 13
"""Shadow updates sent while the attacker tries to take the shadow service's session (the number lost on main)."""


@dataclass
class Login:
    """A raw MQTT 5 connection as one broker user, recording everything it receives."""

    client: paho.Client
    connack: int
    received: list[paho.MQTTMessage] = field(default_factory=list)
    granted: queue.Queue[list[int]] = field(default_factory=queue.Queue)

    def subscribe(self, topic_filter: str) -> int:
        """The SUBACK reason code (0/1 granted, 135 not authorized)."""
        self.client.subscribe(topic_filter, qos=1)
        return self.granted.get(timeout=5)[0]

    def publish(self, topic: str, payload: str) -> str:
        """The broker's answer to a QoS 1 publish: 'Not authorized', 'Success' or 'No matching subscribers'."""
        answers: queue.Queue[str] = queue.Queue()
        self.client.on_publish = lambda c, u, mid, reason, p: answers.put(str(reason))
        self.client.publish(topic, payload, qos=1)
        return answers.get(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def login(broker: infra.RunningService, user: str, client_id: str, *, resume: bool = False) -> Login:
    parts = urlsplit(broker.address)
    codes: queue.Queue[int] = queue.Queue()
    client = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
    )
    session = Login(client, -1)
    client.on_connect = lambda c, u, f, reason, p: codes.put(reason.value)
    client.on_message = lambda c, u, message: session.received.append(message)
    client.on_subscribe = lambda c, u, mid, reasons, p: session.granted.put([r.value for r in reasons])
    client.username_pw_set(user, broker.passwords[user])
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 300 if resume else 0
    client.connect(
        parts.hostname or "127.0.0.1", parts.port or 1883, clean_start=not resume, properties=properties
    )
    client.loop_start()
    session.connack = codes.get(timeout=5)
    return session


@pytest.fixture
def private_broker(broker: infra.RunningService) -> infra.RunningService:
    if not broker.passwords:
        pytest.skip("MQTT_URL names an external broker whose users this suite does not manage")
    return broker


def metric(admin_url: str, name: str) -> float:
    """The sum of a counter's samples on a service's /metrics page."""
    with urllib.request.urlopen(f"{admin_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


# ------------------------------------------------------------------------------- sessions and inboxes


def test_no_login_takes_over_the_shadow_services_session(
    api: Api, system: System, private_broker: infra.RunningService, registered: str
) -> None:
    """Attack on main: monitor connects with the shadow's client id and a persistent session; the broker
    hands it the shadow's subscriptions and queue and drops the shadow (13 of 13 updates lost)."""
    shadow_client_id = system.processes["shadow"].env["SHADOW_CLIENT_ID"]
    refused: dict[str, int] = {}

    async def scenario() -> None:
        async with station201(system.gateway_url, registered) as station:
            for evse in range(1, UPDATES + 1):
                attacker = ("monitor", "gateway", "ocpp-handler", "remote-api")[evse % 4]
                attempt = await asyncio.to_thread(
                    login, private_broker, attacker, shadow_client_id, resume=True
                )
                refused[attacker] = attempt.connack
                await asyncio.to_thread(attempt.close)
                await station.call(
                    call201.StatusNotification(
                        timestamp="2026-12-03T10:00:00Z",
                        connector_status="Available",
                        evse_id=evse,
                        connector_id=1,
                    )
                )

    asyncio.run(scenario())
    applied: set[str] = set()

    def all_applied() -> bool:
        nonlocal applied
        reported = api.get(f"/charge-points/{registered}/shadow").json()["state"]["reported"]
        applied = {evse for evse in reported.get("evses", {}) if evse.isdigit()}
        return len(applied) >= UPDATES

    with contextlib.suppress(AssertionError):  # the count below says how many were lost
        wait_until(all_applied, 10, interval=0.2, message=f"{UPDATES} shadow updates applied")
    print(
        f"session takeover of {shadow_client_id!r}: CONNACK {refused} (135 = refused); "
        f"shadow updates applied {len(applied)} of {UPDATES}, lost {UPDATES - len(applied)}"
    )
    assert set(refused.values()) == {NOT_AUTHORIZED}
    assert len(applied) == UPDATES


def test_no_login_reads_another_clients_reply_inbox(
    api: Api, system: System, private_broker: infra.RunningService
) -> None:
    """Attack on main: the gateway's login connects with the remote-api's client id and subscribes to
    ``csms/replies/<that id>``, the ACL's ``%c`` pattern grants it, and registry answers go to it.

    The attacker is given the victim's client id (here from the API's log; on main, ``monitor`` could
    also read it off ``csms/replies/#``, which it may no longer read since replies carry secrets)."""
    assert api.get("/charge-points").status_code == 200
    client_ids = re.findall(r'"client_id": "(remote-api-[^"]+)"', system.processes["remote-api"].log_text())
    assert client_ids, "the remote-api logs its MQTT client id when it connects"
    inbox = f"csms/replies/{client_ids[-1]}"
    victim = inbox.removeprefix("csms/replies/")
    assert victim.startswith("remote-api-")

    outcomes: dict[str, str] = {}
    statuses: list[int] = []

    def answers_read_by(session: Login) -> int:
        """Make the remote-api ask the shadow service something; count the answers ``session`` got."""
        statuses.append(api.get("/charge-points").status_code)
        time.sleep(0.3)
        return len([message for message in session.received if message.topic == inbox])

    for attacker in ("gateway", "ocpp-handler", "monitor"):
        taken = login(private_broker, attacker, victim)
        outcome = f"CONNACK {taken.connack}"
        if taken.connack == 0:  # what main allowed: the victim's id, and with it its inbox
            taken.subscribe(inbox)
            outcome += f", read {answers_read_by(taken)} answers"
        taken.close()
        outcomes[f"{attacker} as {victim}"] = outcome
        # With its own id the login may subscribe (Mosquitto checks read access per delivery), but the
        # broker delivers nothing from another client's inbox to it.
        own = login(private_broker, attacker, f"{attacker}-snoop")
        try:
            own.subscribe(inbox)
            outcomes[f"{attacker} reading {inbox}"] = f"{answers_read_by(own)} answers"
        finally:
            own.close()
    print(f"reply inbox of {victim}: {outcomes} (CONNACK 135 = refused); API answers meanwhile {statuses}")
    assert all(outcome == f"CONNACK {NOT_AUTHORIZED}" for name, outcome in outcomes.items() if " as " in name)
    for attacker in ("gateway", "ocpp-handler"):
        assert outcomes[f"{attacker} reading {inbox}"] == "0 answers"
    assert set(statuses) == {200}, "the remote-api was never disconnected"


# --------------------------------------------------------------------------------- station commands


def test_the_handlers_login_cannot_send_a_call_to_a_station(
    system: System, private_broker: infra.RunningService, registered: str
) -> None:
    """Attack on main: the handler's login publishes a Reset Call on ``{cp}/out`` and the gateway writes
    it to the station's socket."""
    gateway_admin = system.processes["gateway"].admin_url
    before = metric(gateway_admin, 'csms_gateway_misrouted_frames_total{topic="out"}')
    handler = login(private_broker, "ocpp-handler", "ocpp-handler-attacker")
    evil = [2, "evil-reset-1", "Reset", {"type": "Immediate"}]
    received: list[Any] = []

    async def scenario() -> dict[str, str]:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            await call(ws, heartbeat("hb-1"))  # subscribed once it answers
            answers = {
                topic: await asyncio.to_thread(handler.publish, topic, json.dumps(evil))
                for topic in (f"{registered}/out", f"{registered}/call")
            }
            try:
                while True:
                    received.append(json.loads(await asyncio.wait_for(ws.recv(), 2)))
            except TimeoutError:
                pass
            assert (await call(ws, heartbeat("hb-2")))[:2] == [3, "hb-2"]  # the station is still served
            return answers

    try:
        answers = asyncio.run(scenario())
    finally:
        handler.close()
    refused = metric(gateway_admin, 'csms_gateway_misrouted_frames_total{topic="out"}') - before
    print(
        f"handler login commanding {registered}: broker answers {answers}; frames the station received "
        f"{received}; gateway refused {refused:g} Call(s) from {{cp}}/out"
    )
    assert answers[f"{registered}/call"] == "Not authorized"
    assert received == []
    assert refused == 1


def test_the_gateways_login_cannot_write_a_shadow(
    api: Api, private_broker: infra.RunningService, registered: str
) -> None:
    """Attack on main: the gateway's login publishes a shadow update for any station."""
    gateway = login(private_broker, "gateway", "gateway-attacker")
    forged = {"state": {"reported": {"registrationStatus": "Accepted", "forgedBy": "gateway"}}}
    try:
        answer = gateway.publish(f"$aws/things/{registered}/shadow/update", json.dumps(forged))
    finally:
        gateway.close()
    time.sleep(0.5)
    reported = api.get(f"/charge-points/{registered}/shadow").json()["state"]["reported"]
    print(
        f"gateway login writing the shadow of {registered}: broker answer {answer!r}; shadow shows {reported}"
    )
    assert answer == "Not authorized"
    assert "forgedBy" not in reported


# -------------------------------------------------------------------------------------- passwords


@pytest.fixture
def monitor_everything(private_broker: infra.RunningService) -> Iterator[Login]:
    monitor = login(private_broker, "monitor", "monitor-debugging")
    try:
        for topic_filter in ("#", "$aws/#", "$SYS/#", "csms/secret/#", "csms/replies/#"):
            monitor.subscribe(topic_filter)
        yield monitor
    finally:
        monitor.close()


def test_monitor_sees_no_station_password(
    api: Api, system: System, monitor_everything: Login, station_id: str
) -> None:
    """Attack on main: monitor reads ``csms/shadow/registry/create``, ``authenticate`` and ``set-password``,
    whose payloads carry the station's password in clear."""
    first, second = "first-password-0123456789", "second-password-9876543210"
    created = api.post(
        "/charge-points", json={"chargePointId": station_id, "securityProfile": 1, "password": first}
    )
    assert created.status_code == 201, created.text

    async def connect(password: str) -> int:
        try:
            async with websockets.connect(
                f"{system.gateway_url}/{station_id}",
                subprotocols=["ocpp2.0.1"],
                additional_headers=basic(station_id, password),
            ) as ws:
                assert (await call(ws, heartbeat("hb")))[:2] == [3, "hb"]
                return 101
        except websockets.InvalidStatus as refused:
            return int(refused.response.status_code)

    assert asyncio.run(connect(first)) == 101  # authenticated through the shadow service
    changed = api.request("PUT", f"/charge-points/{station_id}/password", json={"password": second})
    assert changed.status_code == 200, changed.text
    assert asyncio.run(connect(first)) == 401
    assert asyncio.run(connect(second)) == 101
    time.sleep(0.5)

    seen = monitor_everything.received
    texts = [
        message.topic
        + message.payload.decode("utf-8", "replace")
        + json.dumps(getattr(message.properties, "UserProperty", []))
        for message in seen
    ]
    about_station = [text for text in texts if station_id in text]
    leaks = [text for text in texts if re.search(f"{first}|{second}", text)]
    print(
        f"monitor subscribed to #, $aws/#, csms/secret/#: {len(seen)} messages, {len(about_station)} about "
        f"{station_id} (registry, presence); messages holding a password: {len(leaks)}"
    )
    assert about_station, "the monitor saw the station's traffic (it was listening)"
    assert leaks == []
