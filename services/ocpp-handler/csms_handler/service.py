"""The ocpp-handler's MQTT shell: consume ``{cp}/in``, perform effects, then publish the reply."""

from __future__ import annotations

import hashlib
import json
import logging
import time

from csms_common import properties, topics
from csms_common.clock import utc_now
from csms_common.commands import CommandState, command_event
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.mqtt_rpc import AsyncRequester, RequestTimeout
from csms_common.ocpp.errors import ErrorKind, error_code
from csms_common.ocpp.frames import Call, CallError, CallResult, FrameError, parse_frame
from csms_common.ocpp.versions import DEFAULT_VERSION, OcppVersion
from csms_common.responses import decode_response
from csms_common.station_id import InvalidStationId
from csms_handler.budgets import BudgetReason
from csms_handler.context import (
    ACCEPTED,
    LookupRequest,
    Lookups,
    ShadowUpdate,
    TokenStatus,
    TransactionRecord,
)
from csms_handler.metrics import BUDGET_REJECTIONS, FRAMES, LATENCY
from csms_handler.processor import BOOT_NOTIFICATION, FrameProcessor, Outcome, StationFrame

logger = logging.getLogger(__name__)

# Routine traffic is logged at debug level; these actions are worth an info line each.
_NOTABLE_ACTIONS = frozenset({"BootNotification", "TransactionEvent", "StatusNotification"})


def _station_of(message: InboundMessage) -> str:
    return message.topic.split("/", 1)[0]


def client_token(station_id: str, session_id: str, raw: bytes) -> str:
    """Idempotency key of a call's effects: a retransmitted frame in the same session maps to the
    same key, so the shadow service applies its updates once and allocates one transaction id."""
    return hashlib.sha256(f"{station_id}\x00{session_id}\x00".encode() + raw).hexdigest()[:32]


def transaction_allocation_key(station_id: str, raw: bytes) -> str:
    """Idempotency key of a 1.6 transaction id: the same StartTransaction (same message id, same
    payload) gets the same id even when the station sends it again on a new connection, as it
    does after losing the one that carried the first copy (a gateway killed or drained)."""
    return hashlib.sha256(f"{station_id}\x00".encode() + raw).hexdigest()[:32]


class HandlerService:
    """Subscribes to every station's inbound frames through the handler pool's shared subscription."""

    def __init__(
        self,
        client: AsyncMqttClient,
        requester: AsyncRequester,
        processor: FrameProcessor,
        lookup_timeout: float,
    ) -> None:
        self._client = client
        self._requester = requester
        self._processor = processor
        self._lookup_timeout = lookup_timeout

    async def start(self) -> None:
        await self._requester.start()
        await self._client.subscribe(
            topics.HANDLER_INBOUND_FILTER, self.on_station_frame, order_key=_station_of
        )

    async def on_station_frame(self, message: InboundMessage) -> None:
        started = time.perf_counter()
        try:
            station_id = topics.station_from_station_topic(message.topic)
        except InvalidStationId:
            logger.error("frame on an invalid station topic", extra={"topic": message.topic})
            return
        metadata = message.user_properties
        try:
            version = OcppVersion.from_subprotocol(metadata.get(properties.PROTOCOL))
        except ValueError:
            logger.error(
                "frame with an unknown protocol property",
                extra={"station_id": station_id, "protocol": metadata.get(properties.PROTOCOL)},
            )
            version = DEFAULT_VERSION
        frame = StationFrame(
            station_id=station_id,
            version=version,
            raw=message.payload,
            answered_action=metadata.get(properties.ACTION),
            registration_status=metadata.get(properties.REGISTRATION_STATUS, ACCEPTED),
        )
        session_id = metadata.get(properties.SESSION, "")
        token_base = client_token(station_id, session_id, message.payload)
        try:
            outcome = await self._process(
                frame, token_base, transaction_allocation_key(station_id, message.payload)
            )
        except Exception:
            logger.exception("handler failed", extra={"station_id": station_id})
            outcome = _internal_error(frame)
        await self._perform(station_id, outcome, token_base)
        if outcome.answer is not None:
            await self._report_answer(station_id, outcome, message, version)
        if outcome.reply is not None:
            reply_properties = {}
            if outcome.action == BOOT_NOTIFICATION and isinstance(outcome.reply, CallResult):
                # The gateway learns the station's new registration status from the Boot reply.
                reply_properties[properties.REGISTRATION_STATUS] = str(outcome.reply.payload["status"])
            await self._client.publish(
                topics.station_out(station_id), outcome.reply.to_json(), qos=1, properties=reply_properties
            )
        self._observe(station_id, version, outcome, time.perf_counter() - started)

    async def _process(self, frame: StationFrame, token_base: str, allocation_key: str) -> Outcome:
        now = utc_now()
        planned = self._processor.plan(frame, now)
        if isinstance(planned, Outcome):
            return planned
        if planned.lookup.is_empty:
            return self._processor.complete(planned, Lookups(), now)
        try:
            lookups = await self._look_up(frame.station_id, planned.lookup, allocation_key)
        except (RequestTimeout, PublishError, ValueError) as error:
            logger.error(
                "lookup failed",
                extra={"station_id": frame.station_id, "action": planned.call.action, "error": str(error)},
            )
            reply = CallError(
                planned.call.message_id,
                error_code(ErrorKind.INTERNAL_ERROR, frame.version),
                "CSMS temporarily unavailable, retry later",
                {},
            )
            return Outcome(
                reply, action=planned.call.action, message_id=planned.call.message_id, error=str(error)
            )
        return self._processor.complete(planned, lookups, now)

    async def _look_up(self, station_id: str, request: LookupRequest, allocation_key: str) -> Lookups:
        """One request to the shadow service for everything the handler declared it needs."""
        body: dict[str, object] = {"chargePointId": station_id}
        if request.registration:
            body["registration"] = True
        if request.tokens:
            body["tokens"] = list(request.tokens)
        if request.allocate_transaction_id:
            body["allocate"] = allocation_key
        if request.pending_transaction is not None:
            body["pendingTransaction"] = request.pending_transaction
        if request.price_for is not None:
            body["priceFor"] = {"idToken": request.price_for}
        if request.sign_certificate is not None:
            body["signCertificate"] = request.sign_certificate
        if request.certificate_status is not None:
            body["certificateStatus"] = request.certificate_status
        if request.ev_certificate is not None:
            body["evCertificate"] = request.ev_certificate
        if request.contract_certificates:
            body["contractCertificates"] = list(request.contract_certificates)
        response = await self._requester.request(
            topics.shadow_request(topics.RegistryMethod.LOOKUP), body, self._lookup_timeout
        )
        status, answer = decode_response(response)
        if status != 200:
            raise ValueError(f"lookup answered {status}: {answer.get('error')}")
        tokens = {
            value: TokenStatus.from_lookup(info) for value, info in (answer.get("tokens") or {}).items()
        }
        transaction_id = answer.get("transactionId")
        return Lookups(
            registration_status=answer.get("registrationStatus"),
            tokens=tokens,
            transaction_id=int(transaction_id) if transaction_id is not None else None,
            cost=answer.get("cost") if isinstance(answer.get("cost"), dict) else None,
            price_text=answer.get("priceText") if isinstance(answer.get("priceText"), str) else None,
            sign_certificate=(
                answer["signCertificate"] if isinstance(answer.get("signCertificate"), dict) else None
            ),
            certificate_status=(
                answer["certificateStatus"] if isinstance(answer.get("certificateStatus"), dict) else None
            ),
            ev_certificate=answer["evCertificate"] if isinstance(answer.get("evCertificate"), dict) else None,
            contract_certificate_status=(
                answer["contractCertificates"]
                if isinstance(answer.get("contractCertificates"), str)
                else None
            ),
        )

    async def _perform(self, station_id: str, outcome: Outcome, token_base: str) -> None:
        """Effects go out (and are acknowledged by the broker) before the reply."""
        for index, effect in enumerate(outcome.effects):
            if isinstance(effect, ShadowUpdate):
                await self._client.publish(
                    topics.shadow_update(station_id),
                    json.dumps({"state": {"reported": effect.reported}}),
                    qos=1,
                    properties={properties.CLIENT_TOKEN: f"{token_base}-{index}"},
                )
            elif isinstance(effect, TransactionRecord):
                record = {
                    "transactionId": effect.transaction_id,
                    "fields": effect.fields,
                    "ended": effect.ended,
                }
                if effect.event is not None:
                    record["event"] = effect.event
                if effect.update_only:
                    record["updateOnly"] = True
                if effect.meter_values:
                    record["meterValues"] = list(effect.meter_values)
                if effect.offline:
                    record["offline"] = True
                await self._client.publish(
                    topics.station_event(topics.StationEvent.TRANSACTIONS, station_id),
                    json.dumps(record),
                    qos=1,
                )

    async def _report_answer(
        self, station_id: str, outcome: Outcome, message: InboundMessage, version: OcppVersion
    ) -> None:
        """A station answered a CSMS call: record it, and tell the caller waiting on it, if any.

        The record keeps the answer's payload only up to HANDLER_MAX_ANSWER_BYTES (its size is the
        station's choice); the waiting caller always gets it whole.
        """
        answer = outcome.answer
        recorded: dict[str, object] | None = None
        if isinstance(answer, CallResult) and outcome.answer_violation is not None:
            violation = outcome.answer_violation
            event = command_event(
                answer.message_id,
                CommandState.ERROR,
                action=outcome.action,
                errorCode=error_code(violation.kind, version),
                errorDescription=f"the station's answer violates the schema: {violation.description}"[:512],
            )
        elif isinstance(answer, CallResult):
            event = command_event(
                answer.message_id, CommandState.ANSWERED, action=outcome.action, payload=answer.payload
            )
            size = len(message.payload)
            if size > self._processor.limits.max_answer_bytes:
                BUDGET_REJECTIONS.labels(BudgetReason.ANSWER_PAYLOAD).inc()
                recorded = {key: value for key, value in event.items() if key != "payload"}
                recorded.update(payloadOmitted=True, payloadBytes=size)
        elif isinstance(answer, CallError):
            event = command_event(
                answer.message_id,
                CommandState.ERROR,
                action=outcome.action,
                errorCode=answer.error_code,
                errorDescription=answer.description,
                errorDetails=answer.details,
            )
        else:
            return
        body = json.dumps(event)
        await self._client.publish(
            topics.station_event(topics.StationEvent.COMMANDS, station_id),
            body if recorded is None else json.dumps(recorded),
            qos=1,
        )
        if message.response_topic is not None:
            await self._client.publish(
                message.response_topic, body, qos=1, correlation_data=message.correlation_data
            )

    def _observe(self, station_id: str, version: OcppVersion, outcome: Outcome, elapsed: float) -> None:
        if outcome.reply is None:
            kind = "answer"
        elif isinstance(outcome.reply, CallError):
            kind = "error"
        else:
            kind = "result"
        # The action is the station's text: only the version's own actions become label values.
        label = outcome.action if self._processor.known_action(version, outcome.action) else "unknown"
        FRAMES.labels(version.value, label, kind).inc()
        if outcome.reply is not None:
            LATENCY.labels(version.value, label).observe(elapsed)
        for reason in outcome.over_budget:
            BUDGET_REJECTIONS.labels(reason).inc()
        fields: dict[str, object] = {
            "station_id": station_id,
            "action": outcome.action,
            "message_id": outcome.message_id,
            "version": version.value,
            "outcome": kind,
            "latency_ms": round(elapsed * 1000, 2),
        }
        if outcome.over_budget:
            fields["over_budget"] = list(outcome.over_budget)
        if outcome.error is not None:
            logger.warning("station frame refused", extra={**fields, "error": outcome.error})
        elif outcome.over_budget:
            logger.warning("station call exceeded a storage budget", extra=fields)
        elif outcome.action in _NOTABLE_ACTIONS or outcome.answer is not None:
            logger.info("station call handled", extra=fields)
        else:
            logger.debug("station call handled", extra=fields)


def _internal_error(frame: StationFrame) -> Outcome:
    try:
        parsed = parse_frame(frame.raw)
    except FrameError:
        return Outcome(None, error="unparseable frame after a handler failure")
    message_id = parsed.message_id
    if not isinstance(parsed, Call):
        return Outcome(None, message_id=message_id, error="handler failed on a station answer")
    reply = CallError(
        message_id,
        error_code(ErrorKind.INTERNAL_ERROR, frame.version),
        "the CSMS failed to process this call",
        {},
    )
    return Outcome(reply, message_id=message_id, error="internal error")
