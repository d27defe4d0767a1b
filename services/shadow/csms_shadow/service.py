"""The shadow service's MQTT side: routes updates, reads, presence and registry requests to the store."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

from csms_common import fast_json, properties, topics
from csms_common.mqtt_async import AsyncMqttClient, MessageHandler
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.mqtt_rpc import respond
from csms_common.station_id import InvalidStationId, validate_station_id
from csms_shadow.billing.billing_metrics import BILLING_LOOKUP_FAILURES
from csms_shadow.billing.billing_requests import BILLING_METHODS, BillingRequests
from csms_shadow.billing.cost_updates import CostUpdater
from csms_shadow.billing.sessions import SessionKeeper
from csms_shadow.certificates.certificate_requests import CERTIFICATE_METHODS, CertificateRequests
from csms_shadow.certificates.contract_certificates import ContractCertificates
from csms_shadow.charging.profile_requests import PROFILE_METHODS, ProfileRequests
from csms_shadow.charging.site_requests import SITE_METHODS, SiteRequests
from csms_shadow.commands.station_calls import StationCalls
from csms_shadow.config import ShadowSettings
from csms_shadow.documents.batching import Batcher
from csms_shadow.documents.budget import BudgetReason
from csms_shadow.documents.desired import CONFIGURATION, InvalidDesired, check_desired_patch
from csms_shadow.documents.desired_store import DesiredOutcome, DesiredResult, DesiredStore
from csms_shadow.documents.document import InvalidShadowUpdate, JsonObject, split_update, with_delta
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest, UpdateOutcome, UpdateResult
from csms_shadow.events.event_mapping import (
    EventDraft,
    command_events,
    presence_events,
    registry_events,
    shadow_update_events,
    transaction_events,
)
from csms_shadow.events.event_requests import EventRequests
from csms_shadow.events.events import EventLog, dedup_key_of
from csms_shadow.events.stream_log import StreamLog
from csms_shadow.fleet.campaigns import Campaigns
from csms_shadow.fleet.fleet_batches import FleetBatches
from csms_shadow.fleet.fleet_requests import FleetRequests
from csms_shadow.fleet.reconciler import Reconciler
from csms_shadow.metrics import AUDIT_RECORDS as AUDIT_RECORDS_STORED
from csms_shadow.metrics import (
    BUDGET_REJECTIONS,
    DESIRED_UPDATES,
    PRESENCE_EVENTS,
    REDIS_ERRORS,
    REDIS_UP,
    REGISTRY_REQUESTS,
    SHADOW_GETS,
    SHADOW_UPDATES,
    SHARED_REQUESTS,
    STATION_EVENTS,
    STORED_BYTES,
)
from csms_shadow.registry.registry import RegistryRequests
from csms_shadow.storage.redis_watch import RedisWatch
from csms_shadow.transactions.records import (
    ForeignCommand,
    Records,
    TransactionOutcome,
    TransactionRecordRequest,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ServiceUnavailable(RuntimeError):
    """Redis cannot be reached; the request is answered with 503."""


def _station_of_shadow_topic(message: InboundMessage) -> str:
    return topics.station_from_shadow_topic(message.topic)


def _station_of_event_topic(message: InboundMessage) -> str:
    return message.topic.split("/")[2]


STATION_CERTIFICATE_METHODS = frozenset(
    {topics.RegistryMethod.CERTIFICATE_LIST, topics.RegistryMethod.CERTIFICATE_INVENTORY}
)
"""Per-station certificate reads: 404 for a station that is not registered, like every station resource."""

Answer = tuple[int, JsonObject]
Handler = Callable[[JsonObject], Awaitable[Answer]]


def _each(
    handle: Callable[[topics.RegistryMethod, JsonObject], Awaitable[Answer]],
    methods: frozenset[topics.RegistryMethod],
) -> dict[topics.RegistryMethod, Handler]:
    return {method: functools.partial(handle, method) for method in methods}


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
        events: EventLog | None = None,
        audit: StreamLog | None = None,
        event_requests: EventRequests | None = None,
        sessions: SessionKeeper | None = None,
        billing: BillingRequests | None = None,
        certificates: CertificateRequests | None = None,
        contracts: ContractCertificates | None = None,
        desired: DesiredStore | None = None,
        reconciler: Reconciler | None = None,
        fleet_batches: FleetBatches | None = None,
        campaigns: Campaigns | None = None,
        sites: SiteRequests | None = None,
        profiles: ProfileRequests | None = None,
    ) -> None:
        self._desired = desired
        self._reconciler = reconciler
        self._background: set[asyncio.Task[None]] = set()
        self._fleet = (
            FleetRequests(store, desired, self.apply_desired_many, fleet_batches).methods()
            if desired is not None and fleet_batches is not None
            else {}
        )
        self._campaigns = campaigns
        if campaigns is not None:
            self._fleet.update(campaigns.methods())
        self._settings = settings
        self._contracts = contracts or ContractCertificates(None, 1.0)
        self._certificates = certificates
        self._sessions = sessions
        self._billing = billing
        self._sites = sites
        self._profiles = profiles
        self._tasks: list[asyncio.Task[None]] = []
        self._client = client
        self._request_client = request_client
        self._store = store
        self._records = records
        self._registry = registry
        self.events = events
        """The event log (None: events off, as in unit tests); ``events.append`` is the public hook."""
        self._audit = audit
        self._event_requests = event_requests
        self._wake_pending = False
        self._stopping = asyncio.Event()
        self._updates: Batcher[ShadowUpdateRequest, UpdateResult] = Batcher(store.apply_updates)
        self._transaction_records: Batcher[TransactionRecordRequest, TransactionOutcome] = Batcher(
            records.record_transactions
        )
        self._requests = self._request_tables()

    def _request_tables(self) -> dict[topics.ShadowResource, dict[topics.RegistryMethod, Handler]]:
        """One dispatch table per resource: the level after ``csms/shadow/`` in a request's topic, and
        the package that answers it. A method nobody here serves (billing off, no CA) is answered 404."""
        handlers: dict[topics.RegistryMethod, Handler] = {
            **self._registry.methods(),
            topics.RegistryMethod.SHADOW_DESIRED: self._desired_request,
            **self._fleet,
            **(self._event_requests.registry_methods() if self._event_requests else {}),
        }
        if self._billing is not None:
            handlers.update(_each(self._billing.handle, BILLING_METHODS))
        if self._certificates is not None:
            handlers.update(_each(self._certificates.handle, CERTIFICATE_METHODS))
            for method in STATION_CERTIFICATE_METHODS:
                handlers[method] = self._for_registered(handlers[method])
        if self._sites is not None:
            handlers.update(_each(self._sites.handle, SITE_METHODS))
        if self._profiles is not None:
            handlers.update(_each(self._profiles.handle, PROFILE_METHODS))
        tables: dict[topics.ShadowResource, dict[topics.RegistryMethod, Handler]] = {
            resource: {} for resource in topics.ShadowResource
        }
        for method, handler in handlers.items():
            tables[topics.RESOURCE_OF[method]][method] = handler
        return tables

    @property
    def request_tables(self) -> dict[topics.ShadowResource, dict[topics.RegistryMethod, Handler]]:
        """The dispatch tables, one per resource (read-only use: what this deployment serves)."""
        return self._requests

    def _for_registered(self, handler: Handler) -> Handler:
        async def answer(body: JsonObject) -> Answer:
            if not await self._is_registered(body):
                return 404, {"error": f"Charge point not found: {body.get('chargePointId')}"}
            return await handler(body)

        return answer

    async def start(self) -> None:
        await self._client.subscribe(
            topics.SHADOW_UPDATE_FILTER, self.on_update, order_key=_station_of_shadow_topic
        )
        await self._client.subscribe(topics.PRESENCE_FILTER, self.on_presence)
        # Requests answered within the caller's timeout ride on the request client's clean session:
        # one queued for a replica that is away would only be answered after its caller gave up.
        await self._request_client.subscribe(topics.SHADOW_GET_FILTER, self.on_get)
        await self.rejoin_shared_requests()
        # Same order key as shadow updates: a station's records follow its updates in order.
        await self._client.subscribe(
            topics.STATION_EVENTS_FILTER, self.on_station_event, order_key=_station_of_event_topic
        )
        if self._settings.partitions > 1:
            watch = RedisWatch(self._store.ping, self.leave_shared_requests, self.rejoin_shared_requests)
            self._tasks.append(asyncio.create_task(watch.run(self._stopping)))
        if self._audit is not None and self._settings.partition == 0:
            # One replica keeps the audit log; on the persistent session, so none is lost while it restarts.
            await self._client.subscribe(topics.AUDIT_RECORDS, self.on_audit)
        if self._certificates is not None:
            self._tasks.append(asyncio.create_task(self._certificates.run(self._stopping)))
            self._tasks.append(asyncio.create_task(self._certificates.renew(self._stopping, self.owns)))
        interval = self._settings.billing.cost_update_seconds
        if self._sessions is not None and interval > 0:
            calls = StationCalls(self._client, self._store, self._records)
            updater = CostUpdater(calls, self._sessions, self.owns, interval)
            self._tasks.append(asyncio.create_task(updater.run(self._stopping)))
        if self._reconciler is not None:
            self._tasks.append(asyncio.create_task(self._reconciler.run(self._stopping)))
        if self._campaigns is not None:
            self._tasks.append(asyncio.create_task(self._campaigns.run(self._stopping)))

    def stop(self) -> None:
        self._stopping.set()

    def _shared_requests(self) -> list[tuple[str, MessageHandler]]:
        """The shared subscriptions: each request goes to one replica, whatever its partition."""
        shared: list[tuple[str, MessageHandler]] = [
            (topics.SHADOW_REQUEST_FILTER, self.on_registry_request),
            # Requests that carry a station password, on a branch the monitor login cannot read.
            (topics.SECRET_SHADOW_REQUEST_FILTER, self.on_registry_request),
        ]
        if self._event_requests is not None:
            shared.append((topics.NOTIFIER_FILTER, self.on_notifier_request))
        return shared

    async def leave_shared_requests(self) -> None:
        """Redis is out of reach (storage/redis_watch.py): the other replicas answer the shared requests."""
        for topic_filter, _ in self._shared_requests():
            await self._request_client.unsubscribe(topic_filter)
        SHARED_REQUESTS.set(0)

    async def rejoin_shared_requests(self) -> None:
        try:
            for topic_filter, handler in self._shared_requests():
                await self._request_client.subscribe(topic_filter, handler)
        except PublishError as error:
            # Subscribed all the same once the broker answers: the client subscribes again on reconnect.
            logger.warning("shared requests: no SUBACK yet", extra={"error": str(error)})
        SHARED_REQUESTS.set(1)

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
            reported, desired = split_update(document)
            if desired is not None:
                check_desired_patch(desired)
        except (ValueError, RecursionError, InvalidShadowUpdate) as error:
            SHADOW_UPDATES.labels("rejected").inc()
            logger.warning("shadow update rejected", extra={"station_id": station_id, "error": str(error)})
            await self._publish_update_result(station_id, False, {"code": 400, "message": str(error)})
            return
        if desired is not None:
            status, body = await self._until_written(
                lambda: self.apply_desired(station_id, desired, clear=document["state"]["desired"] is None),
                station_id,
            )
            if status != 200:
                await self._publish_update_result(
                    station_id, False, {"code": status, "message": body["error"]}
                )
        if reported is None:
            return
        token = message.user_properties.get(properties.CLIENT_TOKEN) or document.get("clientToken")
        now = int(time.time())
        request = ShadowUpdateRequest(station_id, reported, token, now)
        result = await self._until_written(lambda: self._updates.submit(request), station_id)
        SHADOW_UPDATES.labels(result.outcome.value).inc()
        if self._reconciler is not None and "bootedAt" in reported:
            # After the write: the pass reads the accepted boot from the shadow.
            self._reconciler.trigger(station_id)
        elif (
            self._reconciler is not None
            and CONFIGURATION in reported
            and result.outcome is UpdateOutcome.APPLIED
        ):
            # NotifyReport values: a desired key may be in sync now, or have drifted.
            self._reconciler.on_reported_configuration(station_id)
        for reason in result.budget_reasons:
            BUDGET_REJECTIONS.labels(reason).inc()
        if result.encoded is not None:
            STORED_BYTES.labels("shadow").observe(len(result.encoded))
        if result.outcome is UpdateOutcome.OVER_BUDGET:
            # The document keeps its last state; the station's later updates still apply if they fit.
            logger.warning(
                "shadow update over budget",
                extra={
                    "station_id": station_id,
                    "reason": result.budget_reasons[0],
                    "bytes": len(message.payload),
                },
            )
            await self._publish_update_result(
                station_id,
                False,
                {"code": 413, "message": f"shadow budget exceeded: {result.budget_reasons[0]}"},
            )
        if result.outcome not in (UpdateOutcome.NOT_REGISTERED, UpdateOutcome.OVER_BUDGET):
            # A duplicate too: this message may have been written just before a crash, its events not.
            await self._append_events(station_id, shadow_update_events(reported), message, token)
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

    async def apply_desired(
        self, station_id: str, desired: JsonObject, *, clear: bool = False
    ) -> tuple[int, JsonObject]:
        """Merge a checked desired patch; publish the delta; start reconciling. (status, answer)."""
        return (await self.apply_desired_many([station_id], desired, clear=clear))[0]

    async def apply_desired_many(
        self, station_ids: list[str], desired: JsonObject, *, clear: bool = False
    ) -> list[tuple[int, JsonObject]]:
        """:meth:`apply_desired` for many stations at once (two Redis round trips for all)."""
        if self._desired is None:
            return [(503, {"error": "desired state is not enabled"})] * len(station_ids)
        try:
            results = await self._desired.apply_desired_many(
                station_ids, desired, int(time.time()), clear=clear
            )
        except InvalidDesired as error:
            return [(400, {"error": str(error)})] * len(station_ids)
        answers = [
            self._desired_applied(station_id, result)
            for station_id, result in zip(station_ids, results, strict=True)
        ]
        deltas = [
            (station_id, result)
            for station_id, result in zip(station_ids, results, strict=True)
            if result.outcome is DesiredOutcome.APPLIED and result.delta
        ]
        if deltas:
            # After the answer: a fleet-wide change should not wait for a thousand publishes. A crash
            # before they go loses only the (informational) deltas: the timer reconciles the
            # stations, which the write put in the reconcile-pending set.
            task = asyncio.get_running_loop().create_task(self._publish_deltas(deltas))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return answers

    async def _publish_deltas(self, deltas: list[tuple[str, DesiredResult]]) -> None:
        """``…/shadow/update/delta`` for each station, then its reconciler pass."""
        try:
            await self._publish_delta_chunks(deltas)
        except PublishError as error:
            # The deltas are informational; the reconciler's timer still finds every station.
            logger.warning("delta publication failed", extra={"stations": len(deltas), "error": str(error)})

    async def _publish_delta_chunks(self, deltas: list[tuple[str, DesiredResult]]) -> None:
        for start in range(0, len(deltas), 100):
            chunk = deltas[start : start + 100]
            await asyncio.gather(
                *(
                    self._client.publish(
                        topics.shadow_update_delta(station_id),
                        fast_json.dumps(
                            {
                                "state": result.delta,
                                "version": result.shadow["version"] if result.shadow else None,
                                "timestamp": result.shadow["timestamp"] if result.shadow else None,
                            }
                        ),
                        qos=1,
                    )
                    for station_id, result in chunk
                )
            )
            if self._reconciler is not None:
                for station_id, _ in chunk:
                    self._reconciler.trigger(station_id)

    def _desired_applied(self, station_id: str, result: DesiredResult) -> tuple[int, JsonObject]:
        DESIRED_UPDATES.labels(result.outcome.value).inc()
        if result.outcome is DesiredOutcome.NOT_REGISTERED:
            return 404, {"error": f"Charge point not found: {station_id}"}
        if result.outcome is DesiredOutcome.OVER_BUDGET:
            BUDGET_REJECTIONS.labels(str(result.problem)).inc()
            logger.warning(
                "desired state over budget", extra={"station_id": station_id, "reason": result.problem}
            )
            return 413, {"error": f"shadow budget exceeded: {result.problem}"}
        assert result.shadow is not None
        STORED_BYTES.labels("shadow").observe(result.encoded_bytes)
        logger.info(
            "desired state changed",
            extra={
                "station_id": station_id,
                "version": result.shadow["version"],
                "delta": bool(result.delta),
            },
        )
        return 200, with_delta(result.shadow)

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
            message,
            station_id,
            200,
            with_delta(shadow),
            {properties.REGISTRATION_STATUS: registration or "Accepted"},
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
        if changed and event is topics.PresenceEvent.CONNECTED and self._reconciler is not None:
            self._reconciler.on_connect(station_id)
        if changed:
            await self._append_events(station_id, presence_events(event, presence), message)
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
            method = topics.shadow_method_from_topic(message.topic)
        except ValueError:
            await respond(self._request_client, message, 404, {"error": "unknown registry method"})
            return
        try:
            body = fast_json.loads(message.payload) if message.payload else {}
            if not isinstance(body, dict):
                raise ValueError("request body is not a JSON object")
            handler = self._requests[topics.RESOURCE_OF[method]].get(method)
            answer: JsonObject
            if handler is None:
                status, answer = 404, {"error": f"{method.value} is not served by this deployment"}
            else:
                status, answer = await handler(body)
            if method is topics.RegistryMethod.DELETE and status == 200 and self._sites is not None:
                await self._sites.forget_station(str(answer.get("chargePointId")))
            if method is topics.RegistryMethod.LOOKUP and status == 200 and self._billing is not None:
                await self._add_billing_lookups(self._billing, body, answer)
            if method is topics.RegistryMethod.DELETE and status == 200 and self._certificates is not None:
                await self._certificates.forget(validate_station_id(body.get("chargePointId")))
            if method is topics.RegistryMethod.LOOKUP and status == 200 and "signCertificate" in body:
                answer["signCertificate"] = await self._sign_certificate(body)
            if method is topics.RegistryMethod.LOOKUP and status == 200 and "certificateStatus" in body:
                answer["certificateStatus"] = await self._certificate_status(body)
            if method is topics.RegistryMethod.LOOKUP and status == 200 and "contractCertificates" in body:
                answer["contractCertificates"] = await self._contract_certificates(body)
            if method is topics.RegistryMethod.LOOKUP and status == 200 and "evCertificate" in body:
                answer["evCertificate"] = await self._contracts.forward(
                    validate_station_id(body.get("chargePointId")), body["evCertificate"]
                )
            drafts = registry_events(method, status, answer)
            if drafts:
                await self._append_events(str(body.get("chargePointId")), drafts)
        except (ValueError, InvalidStationId) as error:
            status, answer = 400, {"error": str(error)}
        except (RedisError, OSError) as error:
            REDIS_ERRORS.inc()
            REDIS_UP.set(0)
            status, answer = 503, {"error": f"Registry unavailable: {error}"}
        REGISTRY_REQUESTS.labels(method.value, str(status)).inc()
        await respond(self._request_client, message, status, answer)

    async def _sign_certificate(self, body: JsonObject) -> JsonObject:
        """A station's SignCertificate, answered by the CA (Rejected when there is none)."""
        if self._certificates is None:
            return {
                "status": "Rejected",
                "reasonCode": "NotSupported",
                "additionalInfo": "no certificate authority",
            }
        return await self._certificates.sign_request(
            validate_station_id(body.get("chargePointId")), body["signCertificate"]
        )

    async def _certificates_on_command(self, station_id: str, command: JsonObject) -> None:
        if self._certificates is not None:
            await self._certificates.on_command(station_id, command)

    async def _is_registered(self, body: JsonObject) -> bool:
        """Whether the station a per-station request names is registered (its records are asked for)."""
        station_id = body.get("chargePointId")
        return isinstance(station_id, str) and await self._store.get_station(station_id) is not None

    async def _contract_certificates(self, body: JsonObject) -> str:
        """Authorize's ISO 15118 contract chain (C07): every certificate checked by OCSP."""
        if self._certificates is None:
            return "CertChainError"
        return await self._certificates.contract_status(
            validate_station_id(body.get("chargePointId")), body["contractCertificates"]
        )

    async def _certificate_status(self, body: JsonObject) -> JsonObject:
        """A station's GetCertificateStatus: an OCSP request to the responder it names (bounded wait)."""
        if self._certificates is None:
            return {"status": "Failed", "reasonCode": "NotSupported", "additionalInfo": "no OCSP client"}
        return await self._certificates.certificate_status(
            validate_station_id(body.get("chargePointId")), body["certificateStatus"]
        )

    async def _desired_request(self, body: JsonObject) -> tuple[int, JsonObject]:
        """``PATCH /charge-points/{id}/shadow``: ``{"chargePointId", "state": {"desired": ...}}``."""
        station_id = validate_station_id(str(body.get("chargePointId")))
        try:
            reported, desired = split_update({"state": body.get("state")})
        except InvalidShadowUpdate as error:
            return 400, {"error": str(error)}
        if reported is not None or desired is None:
            return 400, {"error": "only 'state.desired' can be changed through the API"}
        try:
            check_desired_patch(desired)
        except InvalidDesired as error:
            return 400, {"error": str(error)}
        return await self.apply_desired(station_id, desired, clear=body["state"]["desired"] is None)

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
            update_only = bool(body.get("updateOnly"))
            request = TransactionRecordRequest(
                station_id, transaction_id, fields, body.get("event"), update_only
            )
            sessions = self._sessions
            if sessions is not None and not update_only:
                # Before the record, so that a record whose log holds a seqNo always has that event's
                # samples stored. An update-only record (1.6 MeterValues) may not exist: its samples
                # are kept only once it is known to, so that no station fills samples for made-up ids.
                await self._until_written(
                    lambda: sessions.store_samples(station_id, transaction_id, body), station_id
                )
            outcome = await self._until_written(lambda: self._transaction_records.submit(request), station_id)
            if outcome.stored_bytes:
                STORED_BYTES.labels("transaction").observe(outcome.stored_bytes)
            for reason in outcome.budget_reasons:
                BUDGET_REJECTIONS.labels(reason).inc()
            if outcome.budget_reasons:
                logger.warning(
                    "transaction record budget",
                    extra={
                        "station_id": station_id,
                        "transaction_id": transaction_id,
                        "reasons": sorted(set(outcome.budget_reasons)),
                        "recorded": outcome.record is not None,
                    },
                )
            if body.get("ended"):
                now = int(time.time())
                await self._until_written(
                    lambda: self._store.clear_active_transaction(station_id, transaction_id, now), station_id
                )
            STATION_EVENTS.labels(event.value).inc()
            await self._append_events(station_id, transaction_events(body), message)
            record = outcome.record
            if sessions is not None and record is not None:
                # After the transaction's own events, so that session.completed follows transaction.ended.
                if update_only:
                    await self._until_written(
                        lambda: sessions.store_samples(station_id, transaction_id, body), station_id
                    )
                await self._until_written(
                    lambda: sessions.on_transaction(station_id, transaction_id, record), station_id
                )
        else:
            try:
                command = await self._until_written(
                    lambda: self._records.record_command(station_id, body), station_id
                )
            except ForeignCommand as error:
                BUDGET_REJECTIONS.labels(BudgetReason.COMMAND_OWNER).inc()
                logger.warning(
                    "command event for another station's record refused",
                    extra={
                        "station_id": station_id,
                        "message_id": body.get("messageId"),
                        "error": str(error),
                    },
                )
                return
            STORED_BYTES.labels("command").observe(len(fast_json.dumps(command)))
            if self._certificates is not None:
                await self._until_written(
                    lambda: self._certificates_on_command(station_id, command), station_id
                )
            if self._reconciler is not None:
                self._reconciler.on_command(station_id, command)
            STATION_EVENTS.labels(event.value).inc()
            await self._append_events(station_id, command_events(body), message)
            logger.info(
                "command state recorded",
                extra={
                    "station_id": station_id,
                    "message_id": body.get("messageId"),
                    "state": body.get("state"),
                },
            )

    # -------------------------------------------------------------- event log

    async def _append_events(
        self,
        station_id: str,
        drafts: list[EventDraft],
        source: InboundMessage | None = None,
        token: str | None = None,
    ) -> None:
        """Append what a change meant, once per source message (its redelivery appends nothing)."""
        events = self.events
        if events is None or not drafts:
            return
        dedup = (
            dedup_key_of(self._settings.key_prefix, source.topic, source.payload, token)
            if source is not None
            else None
        )
        await self._until_written(lambda: events.append_drafts(station_id, drafts, dedup), station_id)

    def events_appended(self, last_id: str) -> None:
        """Wake the notifier (QoS 0, at most one pending): it polls anyway, this only saves the wait."""
        if self._wake_pending:
            return
        self._wake_pending = True
        asyncio.get_running_loop().call_later(0.02, self._wake, last_id)

    def _wake(self, last_id: str) -> None:
        self._wake_pending = False
        asyncio.get_running_loop().create_task(
            self._request_client.publish(topics.EVENTS_APPENDED, fast_json.dumps({"last": last_id}), qos=0)
        )

    async def on_notifier_request(self, message: InboundMessage) -> None:
        if self._event_requests is None:
            return
        try:
            method = topics.notifier_method_from_topic(message.topic)
        except ValueError:
            await respond(self._request_client, message, 404, {"error": "unknown notifier method"})
            return
        try:
            body = fast_json.loads(message.payload) if message.payload else {}
            if not isinstance(body, dict):
                raise ValueError("request body is not a JSON object")
            status, answer = await self._event_requests.notifier_methods()[method](body)
        except (ValueError, InvalidStationId) as error:
            status, answer = 400, {"error": str(error)}
        except (RedisError, OSError) as error:
            REDIS_ERRORS.inc()
            REDIS_UP.set(0)
            status, answer = 503, {"error": f"Webhook state unavailable: {error}"}
        await respond(self._request_client, message, status, answer)

    async def on_audit(self, message: InboundMessage) -> None:
        """An audit record from remote-api: kept in the capped audit stream, once per message."""
        audit = self._audit
        if audit is None:
            return
        try:
            record = fast_json.loads(message.payload)
            if not isinstance(record, dict):
                raise ValueError("audit record is not a JSON object")
        except ValueError as error:
            logger.warning("invalid audit record", extra={"error": str(error)})
            return
        dedup = dedup_key_of(self._settings.key_prefix, message.topic, message.payload)
        await self._until_written(lambda: audit.append([record], dedup), "-")
        AUDIT_RECORDS_STORED.inc()
