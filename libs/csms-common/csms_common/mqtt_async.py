"""An MQTT 5 client for asyncio services, on gmqtt (an asyncio-native client).

Chosen by benchmark (``bench/mqtt_clients.py``, request/reply through Mosquitto at
QoS 1, 200 concurrent callers, 2 cores): paho-mqtt driven from the event loop without
its thread made about 5,700 calls/s, gmqtt about 19,500. paho stays in the
threaded remote-api (``mqtt_sync``), where gunicorn's threads call it.

What this module adds to gmqtt: a publish that waits for its PUBACK (and sees a
refusal in its reason code), a subscribe that waits for its SUBACK, subscriptions
restored after every reconnect, handlers in tasks (ordered per key when asked),
and a QoS 1 message acknowledged only after its handler has finished. What that takes
from gmqtt's internals is in ``csms_common.gmqtt_compat``, which checks gmqtt's version.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import gmqtt
from gmqtt.mqtt.constants import MQTTv50

from csms_common import gmqtt_compat
from csms_common.client_ids import owned_client_id
from csms_common.config import MqttSettings
from csms_common.metrics import MQTT_CONNECTED, MQTT_PUBLISH_FAILURES, MQTT_RECONNECTS
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.serial import KeyedSerialExecutor

logger = logging.getLogger(__name__)

MessageHandler = Callable[[InboundMessage], Awaitable[None]]
OrderKey = Callable[[InboundMessage], str]

RECONNECT_DELAY_SECONDS = 1.0
"""Between attempts while the broker is away (gmqtt retries at a fixed interval)."""

DEFAULT_RECEIVE_MAXIMUM = 65_535
"""A broker that announces no Receive Maximum accepts this many (MQTT 5 §3.2.2.3.3)."""

_SUCCESS = 0
_FAILURE_THRESHOLD = 0x80
"""MQTT 5 reason codes of 0x80 and above are failures (§2.4)."""


@dataclass(frozen=True)
class _Subscription:
    topic_filter: str
    match_filter: str
    handler: MessageHandler
    qos: int
    order_key: OrderKey | None


def _match_filter(topic_filter: str) -> str:
    """The filter a topic is matched against: ``$share/group/`` is not part of the topic."""
    if topic_filter.startswith("$share/"):
        return topic_filter.split("/", 2)[2]
    return topic_filter


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT topic matching with ``+`` and ``#`` (a ``$`` topic only matches a filter naming it)."""
    filter_levels = topic_filter.split("/")
    topic_levels = topic.split("/")
    if topic.startswith("$") and not topic_filter.startswith("$"):
        return False
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[index]:
            return False
    return len(filter_levels) == len(topic_levels)


def _quiet_gmqtt_logger() -> logging.Logger:
    """gmqtt logs every packet at debug and every connection at info; this client logs the
    events that matter itself, as structured lines, so gmqtt only speaks for warnings."""
    gmqtt_logger = logging.getLogger("gmqtt")
    gmqtt_logger.setLevel(logging.WARNING)
    return gmqtt_logger


class _SendWindow:
    """At most ``limit`` QoS 1 publishes awaiting their PUBACK: the broker's Receive Maximum
    (MQTT 5 §3.3.4), which it announces in CONNACK (Mosquitto: max_inflight_messages)."""

    def __init__(self, limit: int = DEFAULT_RECEIVE_MAXIMUM) -> None:
        self.limit = limit
        self._in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self) -> None:
        while self._in_flight >= self.limit:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # Woken by release() but cancelled before running (a publisher's own
                    # timeout): the free slot goes to the next waiter, or it would be lost.
                    self._wake_next()
                raise
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self._in_flight += 1

    def release(self) -> None:
        self._in_flight -= 1
        self._wake_next()

    def _wake_next(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


class AsyncMqttClient:
    """Connects, keeps reconnecting, restores subscriptions and dispatches messages.

    Each message is handled in a task; with an ``order_key`` the messages of one
    key (a station) are handled one after another. A QoS 1 message is
    acknowledged to the broker only after its handler has finished.
    """

    def __init__(
        self,
        settings: MqttSettings,
        client_id_prefix: str,
        *,
        service: str,
        client_id: str | None = None,
        session_expiry_seconds: int = 0,
        publish_timeout: float = 10.0,
    ) -> None:
        self._settings = settings
        # An exact id names a persistent session the broker keeps for this client across restarts;
        # otherwise every process gets a fresh one.
        self.client_id = owned_client_id(
            settings.username, client_id or f"{client_id_prefix}-{uuid.uuid4().hex[:8]}"
        )
        self._service = service
        self._session_expiry = session_expiry_seconds
        self._publish_timeout = publish_timeout
        self._subscriptions: dict[str, _Subscription] = {}
        self._wildcard_subscriptions: dict[str, _Subscription] = {}
        self._pending_subscribes: dict[int, asyncio.Future[None]] = {}
        self._pending_publishes: dict[int, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._serial = KeyedSerialExecutor()
        self._connected = asyncio.Event()
        self._ever_connected = False
        self._closing = False
        self._connection_task: asyncio.Task[None] | None = None
        self._tracker = gmqtt_compat.PublishTracker(self._fail_pending_publishes)
        self._window = _SendWindow()
        self._gmqtt = self._build_gmqtt_client()

    def _build_gmqtt_client(self) -> gmqtt.Client:
        client = gmqtt.Client(
            self.client_id,
            # A client that keeps a session resumes it; one that keeps none starts clean.
            clean_session=self._session_expiry == 0,
            # Acknowledge a QoS 1 message when its handler returns, not on arrival.
            optimistic_acknowledgement=False,
            persistent_storage=self._tracker,
            logger=_quiet_gmqtt_logger(),
            session_expiry_interval=self._session_expiry,
            receive_maximum=self._settings.receive_maximum,
        )
        if self._settings.username:
            client.set_auth_credentials(self._settings.username, self._settings.password)
        client.set_config(
            {
                "reconnect_delay": RECONNECT_DELAY_SECONDS,
                "reconnect_retries": gmqtt.constants.UNLIMITED_RECONNECTS,
            }
        )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        gmqtt_compat.observe_pubacks(client, self._resolve_publish)
        return client

    # ----------------------------------------------------------------- lifecycle

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, wait_seconds: float | None = None) -> None:
        """Begin connecting (and reconnecting forever); optionally wait for the first CONNACK."""
        self._connection_task = asyncio.get_running_loop().create_task(self._connect_first())
        if wait_seconds is not None:
            await asyncio.wait_for(self._connected.wait(), wait_seconds)

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def close(self) -> None:
        """Finish in-flight handlers, then disconnect cleanly."""
        self._closing = True
        await self._serial.join()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._connection_task is not None and not self._connection_task.done():
            self._connection_task.cancel()
        if self._ever_connected:
            await self._gmqtt.disconnect()
        self._connected.clear()
        self._fail_pending_publishes()
        MQTT_CONNECTED.labels(self._service).set(0)

    async def _connect_first(self) -> None:
        """Retry the first connection with backoff; after that gmqtt reconnects by itself."""
        delay = 0.1
        while not self._closing:
            try:
                await self._gmqtt.connect(
                    self._settings.host,
                    self._settings.port,
                    ssl=self._settings.tls_context() if self._settings.tls else False,
                    keepalive=self._settings.keepalive,
                    version=MQTTv50,
                )
                return
            except (OSError, gmqtt.client.MQTTConnectError) as error:
                logger.warning(
                    "mqtt connect failed",
                    extra={"broker": self._settings.url, "error": str(error), "retry_in": delay},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    # --------------------------------------------------------------- subscribe

    async def subscribe(
        self,
        topic_filter: str,
        handler: MessageHandler,
        *,
        qos: int = 1,
        order_key: OrderKey | None = None,
    ) -> None:
        """Subscribe and, when connected, wait for the SUBACK; repeated after every reconnect."""
        subscription = _Subscription(topic_filter, _match_filter(topic_filter), handler, qos, order_key)
        self._subscriptions[topic_filter] = subscription
        if subscription.match_filter != topic_filter or any(c in topic_filter for c in "+#"):
            self._wildcard_subscriptions[topic_filter] = subscription
        if not self.is_connected:
            return
        mid = self._send_subscribe([subscription])
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_subscribes[mid] = future
        try:
            await asyncio.wait_for(future, self._publish_timeout)
        except TimeoutError as error:
            raise PublishError(f"no SUBACK for {topic_filter}") from error
        finally:
            self._pending_subscribes.pop(mid, None)

    def _send_subscribe(self, subscriptions: list[_Subscription]) -> int:
        # gmqtt keeps a list of every subscription it was given, only to resubscribe; this
        # client resubscribes itself, so the list is emptied to stay bounded with stations.
        mid: int = self._gmqtt.subscribe(
            [gmqtt.Subscription(s.topic_filter, qos=s.qos) for s in subscriptions]
        )
        self._gmqtt.subscriptions.clear()
        return mid

    async def unsubscribe(self, topic_filter: str) -> None:
        self._wildcard_subscriptions.pop(topic_filter, None)
        if self._subscriptions.pop(topic_filter, None) is not None and self.is_connected:
            self._gmqtt.unsubscribe(topic_filter)

    # ----------------------------------------------------------------- publish

    async def publish(
        self,
        topic: str,
        payload: str | bytes,
        *,
        qos: int = 1,
        properties: dict[str, str] | None = None,
        response_topic: str | None = None,
        correlation_data: bytes | None = None,
        retain: bool = False,
    ) -> None:
        """Publish and, for QoS 1, wait for the broker's PUBACK. Raises PublishError."""
        if not self.is_connected:
            MQTT_PUBLISH_FAILURES.labels(self._service).inc()
            raise PublishError(f"not connected to the broker at {self._settings.url}")
        packet_properties: dict[str, Any] = {}
        if properties:
            packet_properties["user_property"] = list(properties.items())
        if response_topic is not None:
            packet_properties["response_topic"] = response_topic
        if correlation_data is not None:
            packet_properties["correlation_data"] = correlation_data
        if qos == 0:
            self._gmqtt.publish(topic, payload, qos=0, retain=retain, **packet_properties)
            return
        await self._window.acquire()
        try:
            await self._publish_and_wait(topic, payload, qos, retain, packet_properties)
        finally:
            self._window.release()

    async def _publish_and_wait(
        self, topic: str, payload: str | bytes, qos: int, retain: bool, packet_properties: dict[str, Any]
    ) -> None:
        if not self.is_connected:  # the connection may have ended while waiting for the window
            MQTT_PUBLISH_FAILURES.labels(self._service).inc()
            raise PublishError(f"not connected to the broker at {self._settings.url}")
        self._tracker.last_mid = None
        self._gmqtt.publish(topic, payload, qos=qos, retain=retain, **packet_properties)
        mid = self._tracker.last_mid
        assert mid is not None, "gmqtt stores every QoS 1 publish"
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending_publishes[mid] = future
        try:
            await asyncio.wait_for(future, self._publish_timeout)
        except TimeoutError as error:
            MQTT_PUBLISH_FAILURES.labels(self._service).inc()
            raise PublishError(f"no PUBACK within {self._publish_timeout}s") from error
        except PublishError:
            MQTT_PUBLISH_FAILURES.labels(self._service).inc()
            raise
        finally:
            if self._pending_publishes.get(mid) is future:
                del self._pending_publishes[mid]

    def _resolve_publish(self, mid: int, reason: int) -> None:
        future = self._pending_publishes.pop(mid, None)
        if future is None or future.done():
            return
        if reason >= _FAILURE_THRESHOLD:
            future.set_exception(PublishError(f"broker refused the publish: reason code {reason:#04x}"))
        else:
            future.set_result(None)

    def _fail_pending_publishes(self) -> None:
        pending, self._pending_publishes = self._pending_publishes, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(PublishError("the broker connection ended before the PUBACK"))

    # --------------------------------------------------------- gmqtt callbacks

    def _on_connect(self, client: gmqtt.Client, flags: int, result: int, properties: Any) -> None:
        if self._ever_connected:
            MQTT_RECONNECTS.labels(self._service).inc()
        self._ever_connected = True
        gmqtt_compat.coalesce_writes(client)
        # The broker's own Receive Maximum bounds this client's QoS 1 publishes in flight.
        announced = gmqtt_compat.connack_receive_maximum(client)
        self._window.limit = announced if announced is not None else DEFAULT_RECEIVE_MAXIMUM
        # SUBSCRIBE and UNSUBSCRIBE ids come from the same pool as PUBLISH ids; a gateway
        # subscribes once per station, so the pool gets the full range (_SendWindow bounds
        # the publishes).
        gmqtt_compat.widen_packet_ids(client)
        self._connected.set()
        MQTT_CONNECTED.labels(self._service).set(1)
        logger.info(
            "mqtt connected",
            extra={"broker": self._settings.url, "client_id": self.client_id, "session_present": bool(flags)},
        )
        if self._subscriptions:
            self._send_subscribe(list(self._subscriptions.values()))

    def _on_disconnect(self, client: gmqtt.Client, packet: Any, exc: BaseException | None = None) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        MQTT_CONNECTED.labels(self._service).set(0)
        if self._session_expiry == 0:
            # No session survives: nothing in flight will be acknowledged after a reconnect.
            self._fail_pending_publishes()
        if not self._closing and was_connected:
            logger.warning("mqtt disconnected", extra={"broker": self._settings.url})

    def _on_subscribe(
        self, client: gmqtt.Client, mid: int, granted: tuple[int, ...], properties: Any
    ) -> None:
        future = self._pending_subscribes.get(mid)
        if future is None or future.done():
            return
        failed = [code for code in granted if code >= _FAILURE_THRESHOLD]
        if failed:
            future.set_exception(PublishError(f"broker refused the subscription: {failed[0]:#04x}"))
        else:
            future.set_result(None)

    async def _on_message(
        self, client: gmqtt.Client, topic: str, payload: bytes, qos: int, properties: dict[str, Any]
    ) -> int:
        """Handle one message; gmqtt sends the PUBACK (with the returned code) once this returns."""
        inbound = InboundMessage.from_gmqtt(topic, payload, qos, properties)
        subscription = self._find_subscription(inbound.topic)
        if subscription is None:
            return _SUCCESS
        if subscription.order_key is None:
            await self._run_handler(subscription, inbound)
            return _SUCCESS
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def run_in_order() -> None:
            try:
                await self._run_handler(subscription, inbound)
            finally:
                done.set_result(None)

        self._serial.submit(subscription.order_key(inbound), run_in_order)
        await done
        return _SUCCESS

    async def _run_handler(self, subscription: _Subscription, inbound: InboundMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await subscription.handler(inbound)
        except Exception:
            # A handler's bug must not stop the client or leave the message unacknowledged
            # forever (the broker would redeliver it in a loop); it is logged with its traceback.
            logger.exception("mqtt message handler failed", extra={"topic": inbound.topic})
        finally:
            if task is not None:
                self._tasks.discard(task)

    def _find_subscription(self, topic: str) -> _Subscription | None:
        # Per-station filters are exact topics: a dict hit, whatever the number of stations.
        exact = self._subscriptions.get(topic)
        if exact is not None:
            return exact
        for subscription in self._wildcard_subscriptions.values():
            if topic_matches(subscription.match_filter, topic):
                return subscription
        return None
