"""The shadow service's MQTT side: routes updates, reads, presence and registry requests to the store."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

from csms_common import fast_json, properties, topics
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage
from csms_common.mqtt_rpc import respond
from csms_common.station_id import InvalidStationId
from csms_shadow.batching import Batcher
from csms_shadow.billing_metrics import BILLING_LOOKUP_FAILURES
from csms_shadow.billing_requests import BILLING_METHODS, BillingRequests
from csms_shadow.config import ShadowSettings
from csms_shadow.cost_updates import CostUpdater
from csms_shadow.document import InvalidShadowUpdate, JsonObject, reported_of
from csms_shadow.metrics import (
    PRESENCE_EVENTS,
    REDIS_ERRORS,
    REDIS_UP,
    REGISTRY_REQUESTS,
    SHADOW_GETS,
    SHADOW_UPDATES,
    STATION_EVENTS,
)
from csms_shadow.records import Records, TransactionRecordRequest
from csms_shadow.registry import RegistryRequests
from csms_shadow.sessions import SessionKeeper
from csms_shadow.station_calls import StationCalls
from csms_shadow.store import ShadowStore, ShadowUpdateRequest, UpdateOutcome, UpdateResult

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ServiceUnavailable(RuntimeError):
    """Redis cannot be reached; the request is answered with 503."""


def _station_of_shadow_topic(message: InboundMessage) -> str:
    return topics.station_from_shadow_topic(message.topic)


def _station_of_event_topic(message: InboundMessage) -> str:
    return message.topic.split("/")[2]


class ShadowService:
    """Wires MQTT subscriptions to :class:`ShadowStore` operations."""

    def __init__(
        self,
        settings: ShadowSettings,
        client: AsyncMqttClient,
        request_client: AsyncMqttClient,
        store: ShadowStore,
        records: Records,
        registry: RegistryRequests,
        sessions: SessionKeeper | None = None,
        billing: BillingRequests | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._billing = billing
        self._tasks: list[asyncio.Task[None]] = []
        self._client = client
        self._request_client = request_client
        self._store = store
        self._records = records
        self._registry = registry
        self._stopping = asyncio.Event()
        self._updates: Batcher[ShadowUpdateRequest, UpdateResult] = Batcher(store.apply_updates)
        self._transaction_records: Batcher[TransactionRecordRequest, dict[str, Any]] = Batcher(
            records.record_transactions
        )

    async def start(self) -> None:
        await self._client.subscribe(
            topics.SHADOW_UPDATE_FILTER, self.on_update, order_key=_station_of_shadow_topic
        )
        await self._client.subscribe(topics.PRESENCE_FILTER, self.on_presence)
        # Requests answered within the caller's timeout ride on the request client's clean session:
        # one queued for a replica that is away would only be answered after its caller gave up.
        await self._request_client.subscribe(topics.SHADOW_GET_FILTER, self.on_get)
        await self._request_client.subscribe(topics.REGISTRY_FILTER, self.on_registry_request)
        # Same order key as shadow updates: a station's records follow its updates in order.
        await self._client.subscribe(
            topics.STATION_EVENTS_FILTER, self.on_station_event, order_key=_station_of_event_topic
        )
        interval = self._settings.billing.cost_update_seconds
        if self._sessions is not None and interval > 0:
            calls = StationCalls(self._client, self._store, self._records)
            updater = CostUpdater(calls, self._sessions, self.owns, interval)
            self._tasks.append(asyncio.create_task(updater.run(self._stopping)))

    def stop(self) -> None:
        self._stopping.set()

    def owns(self, station_id: str) -> bool:
        """Whether this replica's partition holds ``station_id`` (all of them when unpartitioned)."""
        if self._settings.partitions == 1:
            return True
        return zlib.crc32(station_id.encode()) % self._settings.partitions == self._settings.partition

    # ---------------------------------------------------------------- Redis calls

    async def _until_written(self, operation: Callable[[], Awaitable[T]], station_id: str) -> T:
        """Retry a state change until Redis takes it: the MQTT message stays unacknowledged meanwhile."""
        delay = 0.1
        while True:
            try:
                result = await operation()
                REDIS_UP.set(1)
                return result
            except (RedisError, OSError) as error:
                REDIS_ERRORS.inc()
                REDIS_UP.set(0)
                logger.warning(
                    "redis write failed, retrying",
                    extra={"station_id": station_id, "error": str(error), "retry_in": delay},
                )
                if self._stopping.is_set():
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _once(self, operation: Callable[[], Awaitable[T]]) -> T:
        """A read or a request/response call: fail fast so the caller can say 503."""
        try:
            result = await operation()
        except (RedisError, OSError) as error:
            REDIS_ERRORS.inc()
            REDIS_UP.set(0)
            raise ServiceUnavailable(str(error)) from error
        REDIS_UP.set(1)
        return result

    # ------------------------------------------------------------------ updates

    async def on_update(self, message: InboundMessage) -> None:
        try:
            station_id = topics.station_from_shadow_topic(message.topic)
        except InvalidStationId:
            SHADOW_UPDATES.labels("rejected").inc()
            return
        if not self.owns(station_id):
            return
        try:
            document = fast_json.loads(message.payload)
            reported = reported_of(document)
        except (ValueError, RecursionError, InvalidShadowUpdate) as error:
            SHADOW_UPDATES.labels("rejected").inc()
            logger.warning("shadow update rejected", extra={"station_id": station_id, "error": str(error)})
            await self._publish_update_result(station_id, False, {"code": 400, "message": str(error)})
            return
        token = message.user_properties.get(properties.CLIENT_TOKEN) or document.get("clientToken")
        now = int(time.time())
        request = ShadowUpdateRequest(station_id, reported, token, now)
        result = await self._until_written(lambda: self._updates.submit(request), station_id)
        SHADOW_UPDATES.labels(result.outcome.value).inc()
        if result.outcome is UpdateOutcome.NOT_REGISTERED:
            logger.info("shadow update for unregistered station", extra={"station_id": station_id})
            await self._publish_update_result(
                station_id, False, {"code": 404, "message": f"No shadow exists with name: '{station_id}'"}
            )
        elif (
            result.outcome is UpdateOutcome.APPLIED
            and result.shadow is not None
            and self._settings.publish_accepted
        ):
            accepted = {
                "state": {"reported": reported},
                "version": result.shadow["version"],
                "timestamp": now,
            }
            if token:
                accepted["clientToken"] = token
            await self._publish_update_result(station_id, True, accepted)

    async def _publish_update_result(self, station_id: str, accepted: bool, body: dict[str, Any]) -> None:
        # QoS 0: the outcome is informational (AWS compatibility); nothing waits on it.
        await self._client.publish(
            topics.shadow_update_result(station_id, accepted), fast_json.dumps(body), qos=0
        )

    # --------------------------------------------------------------------- gets

    async def on_get(self, message: InboundMessage) -> None:
        try:
            station_id = topics.station_from_shadow_topic(message.topic)
        except InvalidStationId:
            return
        if not self.owns(station_id):
            return
        try:
            shadow = await self._once(lambda: self._store.get_shadow(station_id))
        except ServiceUnavailable as error:
            SHADOW_GETS.labels("unavailable").inc()
            await self._answer_get(message, station_id, 503, {"code": 503, "message": str(error)})
            return
        if shadow is None:
            SHADOW_GETS.labels("not_found").inc()
            body = {"code": 404, "message": f"No shadow exists with name: '{station_id}'"}
            await self._answer_get(message, station_id, 404, body)
            return
        SHADOW_GETS.labels("found").inc()
        try:
            registration = await self._once(lambda: self._store.registration_status(station_id))
        except ServiceUnavailable as error:
            await self._answer_get(message, station_id, 503, {"code": 503, "message": str(error)})
            return
        await self._answer_get(
            message, station_id, 200, shadow, {properties.REGISTRATION_STATUS: registration or "Accepted"}
        )

    async def _answer_get(
        self,
        request: InboundMessage,
        station_id: str,
        status: int,
        body: dict[str, Any],
        extra_properties: dict[str, str] | None = None,
    ) -> None:
        if not await respond(self._request_client, request, status, body, extra_properties):
            topic = topics.shadow_get_result(station_id, status == 200)
            await self._request_client.publish(topic, fast_json.dumps(body), qos=1)

    # ----------------------------------------------------------------- presence

    async def on_presence(self, message: InboundMessage) -> None:
        try:
            event, station_id = topics.parse_presence_topic(message.topic)
            presence = fast_json.loads(message.payload)
            if not isinstance(presence, dict):
                raise ValueError("presence event is not a JSON object")
        except ValueError as error:
            PRESENCE_EVENTS.labels("invalid", "rejected").inc()
            logger.warning("invalid presence event", extra={"topic": message.topic, "error": str(error)})
            return
        if not self.owns(station_id):
            return
        presence["eventType"] = event.value
        if event is topics.PresenceEvent.CONNECTED:
            changed = await self._until_written(
                lambda: self._store.set_connected(station_id, presence), station_id
            )
        else:
            changed = await self._until_written(
                lambda: self._store.set_disconnected(station_id, presence), station_id
            )
        PRESENCE_EVENTS.labels(event.value, "recorded" if changed else "superseded").inc()
        logger.info(
            f"station {event.value}",
            extra={
                "station_id": station_id,
                "session_id": presence.get("sessionId"),
                "gateway": presence.get("gatewayInstance"),
                "recorded": changed,
            },
        )

    # ----------------------------------------------------------------- registry

    async def on_registry_request(self, message: InboundMessage) -> None:
        try:
            method = topics.registry_method_from_topic(message.topic)
        except ValueError:
            await respond(self._request_client, message, 404, {"error": "unknown registry method"})
            return
        try:
            body = fast_json.loads(message.payload) if message.payload else {}
            if not isinstance(body, dict):
                raise ValueError("request body is not a JSON object")
            if method in BILLING_METHODS and self._billing is not None:
                status, answer = await self._billing.handle(method, body)
            else:
                status, answer = await self._registry.handle(method, body)
            if method is topics.RegistryMethod.LOOKUP and status == 200 and self._billing is not None:
                await self._add_billing_lookups(self._billing, body, answer)
        except (ValueError, InvalidStationId) as error:
            status, answer = 400, {"error": str(error)}
        except (RedisError, OSError) as error:
            REDIS_ERRORS.inc()
            REDIS_UP.set(0)
            status, answer = 503, {"error": f"Registry unavailable: {error}"}
        REGISTRY_REQUESTS.labels(method.value, str(status)).inc()
        await respond(self._request_client, message, status, answer)

    async def _add_billing_lookups(
        self, billing: BillingRequests, body: JsonObject, answer: JsonObject
    ) -> None:
        """The final cost of a pending Ended event (totalCost, I02) and the prices of a Started one.

        Billing must never cost a station its answer: a failure here (a bug, data no rule foresaw)
        leaves these fields out, is logged with its traceback, and the tokens are still answered.
        """
        station_id = str(body.get("chargePointId"))
        try:
            if body.get("pendingTransaction"):
                answer["cost"] = await billing.pending_cost(station_id, body["pendingTransaction"])
            if body.get("priceFor"):
                text = await billing.price_text(station_id, body["priceFor"])
                if text:
                    answer["priceText"] = text
        except (ArithmeticError, LookupError, TypeError, ValueError):
            BILLING_LOOKUP_FAILURES.inc()
            logger.exception("billing lookup failed", extra={"station_id": station_id})

    # ----------------------------------------------------------- station events

    async def on_station_event(self, message: InboundMessage) -> None:
        """Transaction records and command states, applied in order per station, retried until written."""
        try:
            event, station_id = topics.parse_station_event_topic(message.topic)
            body = fast_json.loads(message.payload)
            if not isinstance(body, dict):
                raise ValueError("station event is not a JSON object")
        except ValueError as error:
            logger.warning("invalid station event", extra={"topic": message.topic, "error": str(error)})
            return
        if not self.owns(station_id):
            return
        if event is topics.StationEvent.TRANSACTIONS:
            transaction_id = str(body["transactionId"])
            fields = body.get("fields") or {}
            request = TransactionRecordRequest(station_id, transaction_id, fields, body.get("event"))
            sessions = self._sessions
            if sessions is not None:
                await self._until_written(
                    lambda: sessions.store_samples(station_id, transaction_id, body), station_id
                )
            record = await self._until_written(lambda: self._transaction_records.submit(request), station_id)
            if sessions is not None:
                await self._until_written(
                    lambda: sessions.on_transaction(station_id, transaction_id, record), station_id
                )
            if body.get("ended"):
                now = int(time.time())
                await self._until_written(
                    lambda: self._store.clear_active_transaction(station_id, transaction_id, now), station_id
                )
            STATION_EVENTS.labels(event.value).inc()
        else:
            await self._until_written(lambda: self._records.record_command(station_id, body), station_id)
            STATION_EVENTS.labels(event.value).inc()
            logger.info(
                "command state recorded",
                extra={
                    "station_id": station_id,
                    "message_id": body.get("messageId"),
                    "state": body.get("state"),
                },
            )
