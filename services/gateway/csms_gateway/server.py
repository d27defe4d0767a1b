"""The gateway process: WebSocket handshake policy, the table of live sessions, MQTT wiring."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import ssl
import time
import weakref
from collections.abc import Sequence
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.datastructures import Headers
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from csms_common import topics
from csms_common.clock import utc_now_iso
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import InboundMessage, PublishError
from csms_common.ocpp.versions import SUPPORTED_SUBPROTOCOLS, OcppVersion
from csms_common.station_id import InvalidStationId, station_id_from_path
from csms_gateway.address_refusals import REFUSED_STATUSES, AddressRefusals
from csms_gateway.admission import (
    AdmittingConnection,
    PendingHandshakes,
    admitting_connection_class,
    clamp_limits,
    file_descriptor_limit,
    peer_host,
)
from csms_gateway.budgets import Rate, StationBudgets
from csms_gateway.config import GatewaySettings, UnregisteredRejection
from csms_gateway.credentials import InvalidCredentials, presented_credentials
from csms_gateway.drain import drain_sessions
from csms_gateway.gatekeeper import Gatekeeper
from csms_gateway.metrics import (
    AUTH_FAILURES,
    BUDGET_ENTRIES,
    BUDGET_EXCEEDED,
    CONNECTED_STATIONS,
    CRL_UPDATES,
    DISCONNECTS,
    HANDSHAKES,
    PENDING_HANDSHAKES,
)
from csms_gateway.registration import Credentials, Registration, RegistrationChecker
from csms_gateway.session import IdleTimeout, StationSession, UnsupportedFrame
from csms_gateway.station_protocol import SessionSettings
from csms_gateway.tls import InvalidCrl, StationTls

logger = logging.getLogger(__name__)

REPLACED_REASON = "replaced by a newer connection"
RETRY_AFTER_SECONDS = 5
"""Retry-After of a 503 at the handshake (as for too many pending handshakes, admission.py)."""
LISTEN_BACKLOG = 4096
"""The kernel caps it at net.core.somaxconn (4096 on current Linux)."""


def offered_subprotocols(headers: Headers) -> list[str]:
    """The subprotocols a client offered, in its order of preference."""
    offered: list[str] = []
    for header in headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(part.strip() for part in header.split(",") if part.strip())
    return offered


def choose_subprotocol(offered: Sequence[str]) -> str | None:
    """The station's most preferred subprotocol that we support; None if it offered none at all."""
    for subprotocol in offered:
        if subprotocol in SUPPORTED_SUBPROTOCOLS:
            return subprotocol
    return None


class Gateway:
    """Accepts stations, keeps one session per station id and routes MQTT messages to sessions."""

    def __init__(
        self, settings: GatewaySettings, client: AsyncMqttClient, registrations: RegistrationChecker
    ) -> None:
        self._settings = settings
        self._client = client
        self._limits = clamp_limits(
            settings.max_connections,
            settings.max_pending_handshakes,
            settings.max_pending_per_address,
            file_descriptor_limit(),
        )
        # Budget maps hold every station connected recently, and then some: twice the stations a
        # process can hold bounds them without forgetting a live station's budget.
        capacity = max(1024, 2 * self._limits.max_connections)
        self._gatekeeper = Gatekeeper(settings, registrations, capacity)
        self._budgets = StationBudgets(
            Rate(settings.station_rate, settings.station_burst),
            Rate(settings.station_byte_rate, settings.station_byte_burst),
            capacity,
        )
        self._pending = PendingHandshakes(
            self._limits.max_pending, self._limits.max_pending_per_address, self._on_pending_refused
        )
        self._address_refusals = AddressRefusals(
            Rate(settings.refused_address_rate, settings.refused_address_burst), capacity
        )
        self._refusal_hold = min(settings.refusal_hold, settings.handshake_timeout / 2)
        self._connection_class = admitting_connection_class(
            self._pending, self._address_refusals, self._refusal_hold
        )
        PENDING_HANDSHAKES.set_function(lambda: self._pending.total)
        self._sessions: dict[str, StationSession] = {}
        self._reject_after_open: weakref.WeakSet[ServerConnection] = weakref.WeakSet()
        self._registration_status: weakref.WeakKeyDictionary[ServerConnection, str] = (
            weakref.WeakKeyDictionary()
        )
        self._session_settings = SessionSettings(
            gateway_instance=settings.instance_id,
            call_timeout=settings.call_timeout,
            max_queued_calls=settings.max_queued_calls,
            idle_timeout=settings.idle_timeout,
            station_rate=settings.station_rate,
            station_burst=settings.station_burst,
        )
        self._server: Server | None = None
        self._tls_server: Server | None = None
        self._station_tls: StationTls | None = None
        self._draining = False
        self._awaiting_crl = False

    @property
    def is_serving(self) -> bool:
        """Ready for new stations (``/readyz``): listening, not draining, and, when client
        certificates are checked against the CA's revocation list, holding one (until the first
        arrives every certificate handshake fails with ``no_crl``)."""
        if self._awaiting_crl:
            return False
        return not self._draining and self._server is not None and self._server.is_serving()

    # ------------------------------------------------------------- handshake

    async def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse bad ids, unsupported subprotocols and unregistered stations before upgrading; a
        refusal is charged to the source address (address_refusals.py)."""
        response = await self._judge_request(connection, request)
        if response is not None and response.status_code in REFUSED_STATUSES:
            address = peer_host(connection.transport)
            if self._address_refusals.refused(address, time.monotonic()):
                logger.warning(
                    "source address refused at accept time: too many refused handshakes",
                    extra={"remote": address, "station_id": station_id_or_none(request.path)},
                )
            BUDGET_ENTRIES.labels("address_refusals").set(len(self._address_refusals))
            # Like a login daemon's failure delay: a client that retries as soon as it is refused
            # gets one refusal per hold, not one per round trip (held connections stay pending).
            await asyncio.sleep(self._refusal_hold)
        return response

    async def _judge_request(self, connection: ServerConnection, request: Request) -> Response | None:
        try:
            station_id = station_id_from_path(request.path)
        except InvalidStationId as error:
            HANDSHAKES.labels("invalid_id").inc()
            return connection.respond(HTTPStatus.BAD_REQUEST, f"Invalid charge point id: {error}\n")
        offered = offered_subprotocols(request.headers)
        if offered and choose_subprotocol(offered) is None:
            HANDSHAKES.labels("unsupported_subprotocol").inc()
            return connection.respond(
                HTTPStatus.BAD_REQUEST,
                f"Unsupported OCPP subprotocol; supported: {', '.join(SUPPORTED_SUBPROTOCOLS)}\n",
            )
        address = peer_host(connection.transport)
        try:
            credentials: Credentials | None = presented_credentials(connection, request, station_id)
        except InvalidCredentials:
            credentials = None
        retry_after = self._gatekeeper.attempt(station_id, address, credentials)
        if retry_after > 0:
            HANDSHAKES.labels("throttled").inc()
            logger.warning(
                "handshake refused: too many attempts", extra={"station_id": station_id, "remote": address}
            )
            response = connection.respond(HTTPStatus.TOO_MANY_REQUESTS, "Too many connection attempts\n")
            response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
            return response
        if len(self._sessions) >= self._limits.max_connections:
            HANDSHAKES.labels("over_capacity").inc()
            logger.warning("connection refused: gateway full", extra={"station_id": station_id})
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Gateway at capacity, retry later\n")
        if credentials is None:
            self._gatekeeper.malformed(station_id, address)
            return self._unauthorized(connection, station_id, "malformed")
        answer, refusal = await self._gatekeeper.authenticate(station_id, address, credentials)
        registration = answer.registration
        self._registration_status[connection] = answer.status
        if registration is Registration.UNAUTHORIZED:
            return self._unauthorized(connection, station_id, refusal or "rejected")
        if registration is Registration.BUSY:
            HANDSHAKES.labels("busy").inc()
            return self._retry_later(connection, "Too many stations connecting, retry later\n")
        if registration is Registration.UNAVAILABLE:
            HANDSHAKES.labels("unavailable").inc()
            logger.warning("registry unavailable at handshake", extra={"station_id": station_id})
            return self._retry_later(connection, "Service unavailable, retry later\n")
        if registration is Registration.NOT_REGISTERED:
            HANDSHAKES.labels("not_registered").inc()
            logger.info("unregistered station refused", extra={"station_id": station_id})
            if self._settings.unregistered_rejection is UnregisteredRejection.CLOSE_1008:
                self._reject_after_open.add(connection)
                return None
            return connection.respond(HTTPStatus.NOT_FOUND, "Charge point not registered\n")
        return None

    @staticmethod
    def _retry_later(connection: ServerConnection, text: str) -> Response:
        """503 with Retry-After: a station told to come back, not left to time out."""
        response = connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, text)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @staticmethod
    def _unauthorized(connection: ServerConnection, station_id: str, reason: str) -> Response:
        """401 with no hint of which part was wrong (id, password, certificate or profile)."""
        HANDSHAKES.labels("unauthorized").inc()
        AUTH_FAILURES.labels(reason).inc()
        logger.warning("station authentication failed", extra={"station_id": station_id, "reason": reason})
        response = connection.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
        return response

    def select_subprotocol(
        self, connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        # No subprotocol offered: accept without one; the session speaks the default, 2.0.1.
        chosen = choose_subprotocol(subprotocols)
        return None if chosen is None else Subprotocol(chosen)

    def _on_pending_refused(self, address: str, reason: str) -> None:
        BUDGET_EXCEEDED.labels(reason).inc()
        HANDSHAKES.labels("over_capacity").inc()
        logger.warning("connection refused before its handshake", extra={"remote": address, "reason": reason})

    # ------------------------------------------------------------ connection

    async def handle(self, connection: ServerConnection) -> None:
        """The life of one accepted connection."""
        if isinstance(connection, AdmittingConnection):
            connection.leave_pending()
        if connection in self._reject_after_open:
            await connection.close(CloseCode.POLICY_VIOLATION, "charge point not registered")
            return
        station_id = station_id_from_path(connection.request.path if connection.request else "")
        version = OcppVersion.from_subprotocol(connection.subprotocol)
        # websockets keeps the handshake's request and response (headers included, about 4.6 KB) for
        # the connection's life, though it only checks that a request was received; at 20,000
        # stations that is 90 MB. A bare request (the path alone) stands in for it.
        if connection.request is not None:
            connection.request = Request(connection.request.path, Headers())
        connection.response = None
        session = StationSession(
            station_id,
            version,
            connection,
            self._client,
            self._session_settings,
            registration_status=self._registration_status.pop(connection, "Accepted"),
            budget=self._budgets.of(station_id, time.monotonic()),
        )
        BUDGET_ENTRIES.labels("station_budgets").set(len(self._budgets))
        previous = self._sessions.get(station_id)
        self._sessions[station_id] = session
        HANDSHAKES.labels("accepted").inc()
        if previous is not None:
            await previous.close(CloseCode.NORMAL_CLOSURE, REPLACED_REASON)
        reason = "closed"
        CONNECTED_STATIONS.labels(version.value).inc()
        try:
            # Replies to the station's calls and the CSMS's own calls arrive on separate topics, which
            # different logins may write (docs/broker-trust.md); one order key keeps them in sequence.
            await asyncio.gather(
                self._client.subscribe(
                    topics.station_out(station_id), self.on_station_out, order_key=_station_of_out
                ),
                self._client.subscribe(
                    topics.station_call(station_id), self.on_station_call, order_key=_station_of_out
                ),
            )
            await self._publish_presence(topics.PresenceEvent.CONNECTED, session)
            logger.info(
                "station connected",
                extra={
                    "station_id": station_id,
                    "session_id": session.session_id,
                    "version": version.value,
                    "remote": session.remote_address,
                },
            )
            await session.run()
        except UnsupportedFrame as error:
            reason = "binary_frame"
            await connection.close(CloseCode.UNSUPPORTED_DATA, str(error))
        except IdleTimeout as error:
            reason = "idle"
            await connection.close(CloseCode.GOING_AWAY, str(error))
        except PublishError as error:
            reason = "broker_unavailable"
            logger.error(
                "broker unavailable for a new session", extra={"station_id": station_id, "error": str(error)}
            )
            await connection.close(CloseCode.TRY_AGAIN_LATER, "CSMS temporarily unavailable")
        except Exception:
            reason = "internal_error"
            logger.exception("session failed", extra={"station_id": station_id})
            await connection.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            CONNECTED_STATIONS.labels(version.value).dec()
            DISCONNECTS.labels(reason).inc()
            if self._sessions.get(station_id) is session:
                del self._sessions[station_id]
                await self._client.unsubscribe(topics.station_out(station_id))
                await self._client.unsubscribe(topics.station_call(station_id))
            with contextlib.suppress(PublishError):
                await self._publish_presence(
                    topics.PresenceEvent.DISCONNECTED,
                    session,
                    close_code=connection.close_code,
                )
            logger.info(
                "station disconnected",
                extra={
                    "station_id": station_id,
                    "session_id": session.session_id,
                    "close_code": connection.close_code,
                    "reason": reason,
                },
            )

    async def _publish_presence(
        self, event: topics.PresenceEvent, session: StationSession, close_code: int | None = None
    ) -> None:
        body: dict[str, object] = {
            "clientId": session.station_id,
            "eventType": event.value,
            "timestamp": int(time.time() * 1000),
            "time": utc_now_iso(),
            "sessionId": session.session_id,
            # Both events carry when the session began: that is what orders two connections.
            "connectedAt": session.connected_at_ms,
            "gatewayInstance": self._settings.instance_id,
            "protocol": session.version.subprotocol,
            "ipAddress": session.remote_address,
        }
        if event is topics.PresenceEvent.CONNECTED:
            body["timestamp"] = session.connected_at_ms
        if close_code is not None:
            body["closeCode"] = close_code
        await self._client.publish(topics.presence(event, session.station_id), json.dumps(body), qos=1)

    # ------------------------------------------------------------ MQTT inputs

    async def on_station_out(self, message: InboundMessage) -> None:
        """``{cp}/out``: the handler's replies (CallResult, CallError) to the station's calls."""
        await self._deliver(message, calls=False)

    async def on_station_call(self, message: InboundMessage) -> None:
        """``{cp}/call``: the CSMS's own calls to the station (remote-api)."""
        await self._deliver(message, calls=True)

    async def _deliver(self, message: InboundMessage, *, calls: bool) -> None:
        station_id = topics.station_from_station_topic(message.topic)
        session = self._sessions.get(station_id)
        if session is None:
            logger.warning("frame for a station not connected here", extra={"station_id": station_id})
            return
        try:
            text = message.text()
        except UnicodeDecodeError:
            logger.error("non-UTF-8 frame refused", extra={"station_id": station_id, "topic": message.topic})
            return
        await session.deliver(text, message, calls=calls)

    async def on_control(self, message: InboundMessage) -> None:
        """``{"command": "disconnect", "reason": ...}``: the station was deregistered."""
        station_id = topics.station_from_control_topic(message.topic)
        try:
            command = json.loads(message.payload)
        except ValueError:
            logger.error("invalid control message", extra={"station_id": station_id})
            return
        if not isinstance(command, dict) or command.get("command") not in ("disconnect", "refresh"):
            logger.error("unknown control command", extra={"station_id": station_id})
            return
        self._gatekeeper.forget(station_id)
        if command["command"] == "refresh":
            return
        session = self._sessions.get(station_id)
        if session is not None:
            logger.info("disconnecting station on request", extra={"station_id": station_id})
            await session.close(CloseCode.POLICY_VIOLATION, str(command.get("reason", "deregistered")))

    async def on_presence_connected(self, message: InboundMessage) -> None:
        """Another gateway accepted this station more recently: the newest connection wins."""
        try:
            _, station_id = topics.parse_presence_topic(message.topic)
            event = json.loads(message.payload)
        except ValueError:
            return
        session = self._sessions.get(station_id)
        if session is None or not isinstance(event, dict):
            return
        if event.get("gatewayInstance") == self._settings.instance_id:
            return
        theirs = (int(event.get("timestamp", 0)), str(event.get("sessionId", "")))
        # Ties (same millisecond) are broken by session id, so exactly one of two connections survives.
        if theirs > (session.connected_at_ms, session.session_id):
            logger.info(
                "station taken over by another gateway",
                extra={"station_id": station_id, "gateway": event.get("gatewayInstance")},
            )
            await session.close(CloseCode.NORMAL_CLOSURE, REPLACED_REASON)

    # ---------------------------------------------------------------- serving

    async def on_crl(self, message: InboundMessage) -> None:
        """The CA's new revocation list: refused certificates fail from the next TLS handshake on."""
        if self._station_tls is None:
            return
        try:
            self._station_tls.use_crl(message.payload)
            self._awaiting_crl = False
        except InvalidCrl as error:
            CRL_UPDATES.labels(outcome="refused").inc()
            logger.error("CRL not used", extra={"error": str(error)})
            return
        CRL_UPDATES.labels(outcome="used").inc()
        logger.info("CRL updated", extra={"bytes": len(message.payload)})

    async def serve(self, stop: asyncio.Event) -> None:
        settings = self._settings
        if settings.tls_port and settings.tls_cert and settings.tls_key:
            self._station_tls = StationTls(
                settings.server_certificates(),
                settings.tls_client_ca,
                settings.tls_crl,
                check_crl=settings.tls_crl_from_ca,
            )
            if settings.tls_crl_from_ca:
                self._awaiting_crl = settings.tls_crl is None
                await self._client.subscribe(topics.CA_CRL, self.on_crl)
        await self._client.subscribe(topics.CONTROL_FILTER, self.on_control)
        await self._client.subscribe(topics.PRESENCE_CONNECTED_FILTER, self.on_presence_connected)
        async with contextlib.AsyncExitStack() as servers:
            self._server = await servers.enter_async_context(self._listener(self._settings.port, None))
            logger.info(
                "gateway listening",
                extra={"port": self._settings.port, "instance": self._settings.instance_id},
            )
            if self._station_tls is not None:
                self._tls_server = await servers.enter_async_context(
                    self._listener(self._settings.tls_port, self._station_tls.context)
                )
                logger.info("gateway listening with TLS", extra={"port": self._settings.tls_port})
            await stop.wait()
            await self._drain()
        self._server = None
        self._tls_server = None

    async def _drain(self) -> None:
        """Not ready at once, no new connections, then stations closed with 1001 over the drain period."""
        self._draining = True
        began = time.monotonic()
        drain_seconds = self._settings.drain_seconds
        logger.info(
            "gateway draining", extra={"stations": len(self._sessions), "drain_seconds": drain_seconds}
        )
        servers = [server for server in (self._server, self._tls_server) if server is not None]
        for server in servers:
            # Stop accepting; the open connections are closed below, one by one.
            server.close(close_connections=False)
        busy = await drain_sessions(list(self._sessions.values()), drain_seconds)
        remaining = max(0.1, drain_seconds - (time.monotonic() - began))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(server.wait_closed() for server in servers)), remaining)
        logger.info(
            "gateway drained",
            extra={
                "seconds": round(time.monotonic() - began, 2),
                "closed_busy": busy,
                "still_open": len(self._sessions),
            },
        )

    def _listener(self, port: int, tls: ssl.SSLContext | None) -> Server:
        return websockets_serve(
            self.handle,
            self._settings.host,
            port,
            ssl=tls,
            process_request=self.process_request,
            select_subprotocol=self.select_subprotocol,
            max_size=self._settings.max_frame_bytes,
            ping_interval=self._settings.ping_interval,
            open_timeout=self._settings.handshake_timeout,
            server_header="csms-gateway",
            create_connection=self._connection_class,
            # asyncio's default backlog (100) overflows under a burst of handshakes, and then the
            # kernel drops SYNs: every client, well-behaved ones included, waits 1, 3, 7 s to retry.
            backlog=LISTEN_BACKLOG,
            # Several gateway processes may share one port; the kernel spreads connections.
            reuse_port=self._settings.reuse_port,
        )


def station_id_or_none(path: str) -> str | None:
    try:
        return station_id_from_path(path)
    except InvalidStationId:
        return None


def _station_of_out(message: InboundMessage) -> str:
    return message.topic.split("/", 1)[0]
