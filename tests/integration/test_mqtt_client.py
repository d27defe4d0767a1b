"""The asyncio MQTT client (csms_common.mqtt_async) against a real Mosquitto.

What the services rely on and a unit test cannot show: a publish the broker's ACL refuses
fails, subscriptions come back after a broker restart, the broker's Receive Maximum is
honoured, one station's messages are handled in order, and a QoS 1 message is acknowledged
only after its handler has finished (so a message in hand when the connection drops comes again).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import defaultdict

import pytest

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage, PublishError
from tests.integration.conftest import PlainBroker, settings_for
from tests.support import infra
from tests.support.mqtt_tap import MqttTap
from tests.support.polling import wait_until_async

pytestmark = pytest.mark.integration


def test_a_publish_the_acl_refuses_fails_and_an_allowed_one_arrives(
    shared_broker: infra.RunningService,
) -> None:
    topic = f"it/{uuid.uuid4().hex[:8]}/acl"

    async def scenario() -> InboundMessage:
        # ``monitor`` may read every topic and publish none.
        monitor = AsyncMqttClient(settings_for(shared_broker, "monitor"), "monitor", service="test")
        tester = AsyncMqttClient(settings_for(shared_broker), "test", service="test")
        received: asyncio.Queue[InboundMessage] = asyncio.Queue()
        await monitor.start(wait_seconds=10)
        await tester.start(wait_seconds=10)
        try:
            await monitor.subscribe(topic, received.put, qos=1)
            with pytest.raises(PublishError, match="0x87"):
                await monitor.publish(topic, b"refused")
            await tester.publish(
                topic,
                b"allowed",
                properties={"station": "CP-1"},
                response_topic="it/replies",
                correlation_data=b"\x01\x02",
            )
            return await asyncio.wait_for(received.get(), 5)
        finally:
            await tester.close()
            await monitor.close()

    message = asyncio.run(scenario())
    assert (message.payload, message.user_properties) == (b"allowed", {"station": "CP-1"})
    assert (message.response_topic, message.correlation_data) == ("it/replies", b"\x01\x02")


def test_subscriptions_come_back_after_a_broker_restart(own_broker: infra.RunningService) -> None:
    topic = f"it/{uuid.uuid4().hex[:8]}/restart"

    async def scenario() -> bytes:
        subscriber = AsyncMqttClient(settings_for(own_broker), "test", service="test")
        received: asyncio.Queue[InboundMessage] = asyncio.Queue()
        await subscriber.start(wait_seconds=10)
        try:
            await subscriber.subscribe(topic, received.put, qos=1)
            # The broker keeps nothing across this restart: the subscription must be sent again.
            await asyncio.to_thread(own_broker.stop)
            await wait_until_async(
                lambda: not subscriber.is_connected, 10, message="the client saw the broker go"
            )
            await asyncio.to_thread(own_broker.restart)
            await wait_until_async(lambda: subscriber.is_connected, 15, message="the client reconnected")
            publisher = AsyncMqttClient(settings_for(own_broker), "test", service="test")
            await publisher.start(wait_seconds=10)
            try:
                # The resubscription is not awaited by anyone: publish until it has taken effect.
                async def delivered() -> bytes | None:
                    await publisher.publish(topic, b"after the restart")
                    try:
                        return (await asyncio.wait_for(received.get(), 0.5)).payload
                    except TimeoutError:
                        return None

                return await wait_until_async(
                    delivered, 10, 0, message="a message reached the resubscribed topic"
                )
            finally:
                await publisher.close()
        finally:
            await subscriber.close()

    assert asyncio.run(scenario()) == b"after the restart"


def test_the_brokers_receive_maximum_bounds_publishes_in_flight(small_window_broker: PlainBroker) -> None:
    publishes = 300

    async def scenario() -> MqttTap:
        # The tap holds each answer from the broker back 5 ms, so a client ignoring the
        # window would have far more than 5 PUBLISHes unacknowledged at once.
        tap = MqttTap("127.0.0.1", small_window_broker.port, ack_delay=0.005)
        settings = dataclasses.replace(small_window_broker.settings(), port=await tap.start())
        client = AsyncMqttClient(settings, "test", service="test")
        await client.start(wait_seconds=10)
        try:
            await asyncio.gather(*(client.publish(f"it/window/{index}", b"x") for index in range(publishes)))
        finally:
            await client.close()
            await tap.close()
        return tap

    tap = asyncio.run(scenario())
    print(
        f"receive maximum {small_window_broker.receive_maximum}: at most {tap.max_unacknowledged} "
        f"of {tap.qos1_publishes} QoS 1 publishes awaited their PUBACK at once"
    )
    assert tap.qos1_publishes == publishes
    assert 1 <= tap.max_unacknowledged <= small_window_broker.receive_maximum


def test_one_stations_messages_are_handled_in_order_and_stations_in_parallel(
    shared_broker: infra.RunningService,
) -> None:
    prefix = f"it-{uuid.uuid4().hex[:8]}"
    stations = [f"{prefix}-cp{index}" for index in range(4)]
    per_station = 20

    async def scenario() -> tuple[dict[str, list[int]], int]:
        handled: dict[str, list[int]] = defaultdict(list)
        running = 0
        most_running = 0
        all_done = asyncio.Event()

        async def handle(message: InboundMessage) -> None:
            nonlocal running, most_running
            running += 1
            most_running = max(most_running, running)
            sequence = int(message.payload)
            # Earlier messages take longer: handled concurrently, they would finish reversed.
            await asyncio.sleep((per_station - sequence) * 0.002)
            handled[message.topic.split("/")[0]].append(sequence)
            running -= 1
            if sum(map(len, handled.values())) == len(stations) * per_station:
                all_done.set()

        subscriber = AsyncMqttClient(settings_for(shared_broker), "test", service="test")
        publisher = AsyncMqttClient(settings_for(shared_broker), "test", service="test")
        await subscriber.start(wait_seconds=10)
        await publisher.start(wait_seconds=10)
        try:
            await subscriber.subscribe(
                f"+/{prefix}", handle, qos=1, order_key=lambda message: message.topic.split("/")[0]
            )
            await asyncio.gather(
                *(
                    publisher.publish(f"{station}/{prefix}", str(sequence).encode())
                    for sequence in range(per_station)
                    for station in stations
                )
            )
            await asyncio.wait_for(all_done.wait(), 20)
        finally:
            await publisher.close()
            await subscriber.close()
        return handled, most_running

    handled, most_running = asyncio.run(scenario())
    print(f"{len(stations)} stations x {per_station} messages: up to {most_running} handlers ran at once")
    for station in stations:
        assert handled[station] == list(range(per_station)), f"{station} handled out of order"
    assert most_running > 1, "the stations' messages were handled one at a time across stations"


def test_a_message_is_acknowledged_only_after_its_handler_finished(
    shared_broker: infra.RunningService,
) -> None:
    topic = f"it/{uuid.uuid4().hex[:8]}/ack"

    async def scenario() -> dict[bytes, int]:
        deliveries: dict[bytes, int] = defaultdict(int)
        release = asyncio.Event()

        async def handle(message: InboundMessage) -> None:
            deliveries[message.payload] += 1
            if message.payload == b"held":
                await release.wait()

        tap = MqttTap(*_host_port(shared_broker))
        settings = dataclasses.replace(settings_for(shared_broker), port=await tap.start())
        # A session the broker keeps across the cut, as the handler's and shadow's are.
        subscriber = AsyncMqttClient(
            settings,
            "test",
            service="test",
            client_id=f"test-{uuid.uuid4().hex[:8]}",
            session_expiry_seconds=60,
        )
        publisher = AsyncMqttClient(settings_for(shared_broker), "test", service="test")
        await subscriber.start(wait_seconds=10)
        await publisher.start(wait_seconds=10)
        try:
            await subscriber.subscribe(topic, handle, qos=1)
            await publisher.publish(topic, b"done")
            await publisher.publish(topic, b"held")
            await wait_until_async(
                lambda: deliveries[b"held"] == 1, 5, message="the held message reached its handler"
            )
            # Its handler has not returned: no PUBACK yet, so the broker must send it again.
            tap.cut()
            await wait_until_async(
                lambda: deliveries[b"held"] >= 2,
                15,
                message="the broker sent the unacknowledged message again",
            )
            release.set()
        finally:
            release.set()
            await publisher.close()
            await subscriber.close()
            await tap.close()
        return dict(deliveries)

    deliveries = asyncio.run(scenario())
    print(f"deliveries after a cut connection: {deliveries}")
    assert deliveries[b"held"] == 2
    assert deliveries[b"done"] == 1, "a message whose handler had finished was delivered again"


def _host_port(broker: infra.RunningService) -> tuple[str, int]:
    settings = settings_for(broker)
    return settings.host, settings.port
