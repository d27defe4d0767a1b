"""Which MQTT client the asyncio services use, decided by measurement (``make bench-mqtt``).

Two processes talk through a private Mosquitto the way a gateway and a handler do:
200 callers each publish a request on ``{cp}/in`` (QoS 1, four user properties) and
wait for the answer on ``{cp}/out``, which a responder on a shared subscription
publishes (QoS 1). Calls per second over a fixed window, for:

* ``paho``: paho-mqtt driven from the event loop without its network thread
  (``add_reader``/``add_writer`` on paho's socket), the services' first design;
* ``csms``: ``csms_common.mqtt_async.AsyncMqttClient`` (gmqtt underneath), as shipped.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties

from bench import infra
from bench.net import free_port
from csms_common.config import MqttSettings
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.properties import publish_properties
from csms_common.runtime import event_loop_factory

CALLERS = 200
PROPERTIES = {
    "ocpp-protocol": "ocpp2.0.1",
    "gateway-instance": "gateway-1",
    "session-id": "0123456789abcdef",
    "received-at": "2026-11-25T00:00:00.000Z",
}
FRAME = b'[2,"m1","Heartbeat",{}]'

Publish = Callable[[str, bytes, dict[str, str] | None], Awaitable[None]]
OnMessage = Callable[[str, bytes], Awaitable[None]]


class PahoOnLoop:
    """paho-mqtt without its thread: the event loop watches its socket, QoS 1 waits for PUBACK."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self._client.max_inflight_messages_set(1000)
        self._acks: dict[int, asyncio.Future[None]] = {}
        self._handler: OnMessage | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._loop = asyncio.get_running_loop()
        self._connected = asyncio.Event()
        client = self._client
        client.on_socket_open = self._on_socket_open
        client.on_socket_register_write = lambda c, u, sock: self._loop.add_writer(sock, c.loop_write)
        client.on_socket_unregister_write = self._on_socket_unregister_write
        client.on_connect = lambda *args: self._connected.set()
        client.on_publish = self._on_publish
        client.on_message = self._on_message

    def _on_socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as the services did
        self._loop.add_reader(sock, client.loop_read)

    def _on_socket_unregister_write(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        self._loop.remove_writer(sock)

    async def start(self, subscription: str | None, handler: OnMessage | None) -> None:
        self._handler = handler
        self._client.connect("127.0.0.1", self._port)
        await self._connected.wait()
        self._loop.create_task(self._misc())
        if subscription:
            self._client.subscribe(subscription, qos=1)
            await asyncio.sleep(0.3)

    async def _misc(self) -> None:
        while True:
            self._client.loop_misc()
            await asyncio.sleep(1)

    def _on_publish(self, client: paho.Client, userdata: Any, mid: int, *args: Any) -> None:
        future = self._acks.pop(mid, None)
        if future is not None and not future.done():
            future.set_result(None)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if self._handler is not None:
            task = asyncio.ensure_future(self._handler(message.topic, bytes(message.payload)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def publish(self, topic: str, payload: bytes, user_properties: dict[str, str] | None) -> None:
        packet_properties: Properties | None = publish_properties(user_properties)
        info = self._client.publish(topic, payload, qos=1, properties=packet_properties)
        future = self._loop.create_future()
        self._acks[info.mid] = future
        await future


class Csms:
    """The shipped client."""

    def __init__(self, port: int) -> None:
        settings = MqttSettings("127.0.0.1", port, None, None, tls=False, keepalive=30)
        self._client = AsyncMqttClient(settings, "bench", service="bench")

    async def start(self, subscription: str | None, handler: OnMessage | None) -> None:
        await self._client.start(wait_seconds=10)
        if subscription and handler:
            await self._client.subscribe(subscription, lambda m: handler(m.topic, m.payload), qos=1)

    async def publish(self, topic: str, payload: bytes, user_properties: dict[str, str] | None) -> None:
        await self._client.publish(topic, payload, qos=1, properties=user_properties)


CLIENTS: dict[str, type[PahoOnLoop] | type[Csms]] = {"paho": PahoOnLoop, "csms": Csms}


async def respond(kind: str, port: int, seconds: float) -> None:
    client = CLIENTS[kind](port)

    async def answer(topic: str, payload: bytes) -> None:
        await client.publish(topic.replace("/in", "/out"), payload, None)

    await client.start("$share/bench/+/in", answer)
    await asyncio.sleep(seconds)


async def call(kind: str, port: int, seconds: float) -> float:
    client = CLIENTS[kind](port)
    waiting: dict[str, asyncio.Future[None]] = {}

    async def on_answer(topic: str, payload: bytes) -> None:
        future = waiting.pop(topic.split("/", 1)[0], None)
        if future is not None:
            future.set_result(None)

    await client.start("+/out", on_answer)
    calls = 0
    deadline = time.monotonic() + seconds

    async def caller(index: int) -> None:
        nonlocal calls
        station = f"cp{index}"
        while time.monotonic() < deadline:
            # The answer may arrive before the PUBACK: keep the future, not the dict entry.
            answered = waiting[station] = asyncio.get_running_loop().create_future()
            await client.publish(f"{station}/in", FRAME, PROPERTIES)
            await answered
            calls += 1

    started = time.monotonic()
    await asyncio.gather(*(caller(index) for index in range(CALLERS)))
    return calls / (time.monotonic() - started)


def _run_in_process(kind: str, role: str, port: int, seconds: float, results: Any) -> None:
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        if role == "respond":
            runner.run(respond(kind, port, seconds + 5))
        else:
            results.put(runner.run(call(kind, port, seconds)))


def measure(kind: str, port: int, seconds: float) -> float:
    results: multiprocessing.Queue[float] = multiprocessing.Queue()
    responder = multiprocessing.Process(
        target=_run_in_process, args=(kind, "respond", port, seconds, results)
    )
    responder.start()
    time.sleep(1.5)
    caller = multiprocessing.Process(target=_run_in_process, args=(kind, "call", port, seconds, results))
    caller.start()
    rate = results.get(timeout=seconds + 30)
    caller.join()
    responder.terminate()
    responder.join()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt_clients", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring window per client [8]")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        # Anonymous on loopback only: the point is the clients, not the broker's access control.
        config = Path(directory) / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 1000\n"
            "set_tcp_nodelay true\npersistence false\n"
        )
        broker = infra.start_process(
            "mosquitto", [infra.binary("mosquitto"), "-c", str(config)], Path(directory)
        )
        try:
            infra.wait_for_port(port, 10, broker.process)
            for kind in CLIENTS:
                rate = measure(kind, port, arguments.seconds)
                print(f"{kind:5} {CALLERS} callers, QoS 1 request/reply: {rate:,.0f} calls/s", flush=True)
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
