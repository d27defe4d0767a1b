"""The broker is locked down: no anonymous access, each service only on its topics, TLS client certificates."""

from __future__ import annotations

import queue
from urllib.parse import urlsplit

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support import infra
from tests.support.system import System

pytestmark = pytest.mark.e2e


def connect(url: str, user: str | None, password: str | None) -> tuple[paho.Client, int]:
    """A client and the CONNACK reason code (0 = accepted)."""
    parts = urlsplit(url)
    codes: queue.Queue[int] = queue.Queue()
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.on_connect = lambda c, u, f, reason, p: codes.put(reason.value)
    if user is not None:
        client.username_pw_set(user, password)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
    client.loop_start()
    return client, codes.get(timeout=5)


def publish_reason(client: paho.Client, topic: str) -> str:
    """The broker's answer to a QoS 1 publish: 'Not authorized', or a success code (0 'Success', or
    16 'No matching subscribers' when nobody listens)."""
    answers: queue.Queue[str] = queue.Queue()
    client.on_publish = lambda c, u, mid, reason, p: answers.put(str(reason))
    client.publish(topic, "x", qos=1)
    return answers.get(timeout=5)


@pytest.fixture
def private_broker(broker: infra.RunningService) -> infra.RunningService:
    if not broker.passwords:
        pytest.skip("MQTT_URL names an external broker whose users this suite does not manage")
    return broker


def test_anonymous_and_wrong_passwords_are_refused(private_broker: infra.RunningService) -> None:
    for user, password in ((None, None), ("gateway", "wrong")):
        client, code = connect(private_broker.address, user, password)
        client.loop_stop()
        assert code == 135  # Not authorized


@pytest.mark.parametrize(
    ("user", "topic", "allowed"),
    [
        ("gateway", "CP1/in", True),
        ("gateway", "CP1/out", False),  # only handlers answer stations
        ("gateway", "CP1/call", False),  # only the API commands them
        ("gateway", "$aws/things/CP1/shadow/update", False),
        ("gateway", "csms/secret/shadow/credentials/authenticate", True),
        ("gateway", "csms/secret/shadow/registry/create", False),
        ("ocpp-handler", "CP1/out", True),
        ("ocpp-handler", "CP1/call", False),
        ("ocpp-handler", "CP1/in", False),  # nobody but the gateway speaks for a station
        ("ocpp-handler", "csms/control/CP1", False),
        ("ocpp-handler", "csms/shadow/registry/lookup", True),
        ("ocpp-handler", "csms/shadow/tokens/token-put", False),  # the handler only looks up
        ("remote-api", "CP1/call", True),
        ("remote-api", "CP1/out", False),
        ("remote-api", "csms/control/CP1", True),
        ("remote-api", "csms/shadow/tokens/token-put", True),
        ("remote-api", "csms/secret/shadow/events/webhook-create", True),
        ("remote-api", "csms/secret/shadow/credentials/set-password", True),
        (
            "remote-api",
            "csms/secret/shadow/credentials/authenticate",
            False,
        ),  # no password guessing via the API
        ("remote-api", "$aws/things/CP1/shadow/update", False),
        ("monitor", "CP1/out", False),
        ("monitor", "$aws/things/CP1/shadow/update", False),
    ],
)
def test_each_user_writes_only_its_topics(
    private_broker: infra.RunningService, user: str, topic: str, allowed: bool
) -> None:
    client, code = connect(private_broker.address, user, private_broker.passwords[user])
    try:
        assert code == 0
        reason = publish_reason(client, topic)
        if allowed:
            assert reason in ("Success", "No matching subscribers")
        else:
            assert reason == "Not authorized"
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_service_connects_with_a_client_certificate(
    system: System, private_broker: infra.RunningService
) -> None:
    """The broker's TLS listener takes a client certificate whose CN is the user, with its password."""
    assert private_broker.tls_url is not None and private_broker.pki is not None
    pki = private_broker.pki
    cert, key = pki.client("shadow")
    shadow = system.start(
        "shadow",
        label="shadow-over-tls",
        MQTT_URL=private_broker.tls_url,
        MQTT_CA_FILE=str(pki.ca),
        MQTT_CERT_FILE=str(cert),
        MQTT_KEY_FILE=str(key),
        SHADOW_PARTITIONS="2",
        SHADOW_PARTITION="1",
    )
    try:
        system.wait_ready(shadow)  # ready means: connected to the broker as "shadow" over TLS
    finally:
        shadow.stop()
    assert "mqtt connected" in shadow.log_text()
