"""The synchronous client: every endpoint of the remote-api as a method (``AsyncClient`` mirrors it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

import httpx

from csms_sdk import operations as ops
from csms_sdk.errors import RateLimited, TransportError
from csms_sdk.models import (
    CommandRecord,
    CommandResult,
    Deliveries,
    Event,
    EventPage,
    IdToken,
    IdTokenDeleted,
    IdTokenImported,
    IdTokenStatus,
    PasswordSet,
    Redelivered,
    RegistrationStatus,
    RemoteTransactionResult,
    Shadow,
    Station,
    StationDeleted,
    Transaction,
    Webhook,
    WebhookDeleted,
)
from csms_sdk.retry import RetryPolicy
from csms_sdk.session import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, SessionSettings
from csms_sdk.sse import SseParser
from csms_sdk.stream import MAX_RECONNECTS, READ_TIMEOUT_SECONDS, StreamCursor


class Client:
    """A client of one remote-api.

    ``token`` defaults to ``OCPP_API_TOKEN``; ``retry=RetryPolicy()`` retries 429 answers after
    their Retry-After; every error is a subclass of ``csms_sdk.CsmsError``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = SessionSettings.build(base_url, token, timeout, retry, headers)
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self._settings.base_url,
            headers=self._settings.headers,
            timeout=timeout,
            transport=transport,
        )
        self._remote_start_url = "/remote-start-transaction"
        self._remote_stop_url = "/remote-stop-transaction"

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def call(self, operation: ops.Operation) -> Any:
        """Send one operation (retrying 429 if the client has a retry policy); its JSON body."""
        tries = 0
        while True:
            tries += 1
            try:
                response = self._http.request(
                    operation.method,
                    operation.url,
                    params=dict(operation.params),
                    json=operation.body,
                    timeout=operation.timeout(self._settings.timeout),
                )
            except httpx.TransportError as error:
                raise TransportError(f"{operation.method} {operation.url}: {error}") from error
            try:
                return ops.decode(
                    operation, response.status_code, response.headers, response.content, str(response.url)
                )
            except RateLimited as limited:
                delay = self._settings.retry_delay(tries, limited.retry_after)
                if delay is None:
                    raise
                self._sleep(delay)

    def pages(self, build: Callable[[str | None], ops.Operation], items_key: str) -> Iterator[Any]:
        """Every item of a list endpoint, page after page while the API names a next cursor."""
        cursor: str | None = None
        while True:
            page = ops.page_of(self.call(build(cursor)), items_key)
            yield from page.items
            if page.next is None or not page.items:
                return
            cursor = page.next

    # -- the reference's remote start and stop -------------------------------------------------

    def start_transaction(
        self,
        charge_point_id: str,
        id_tag: str | None = None,
        connector_id: int = 1,
        *,
        transaction_data: Mapping[str, Any] | None = None,
        wait: float | None = None,
    ) -> RemoteTransactionResult:
        operation = ops.start_transaction(
            self._remote_start_url, charge_point_id, id_tag, connector_id, transaction_data, wait
        )
        return cast(RemoteTransactionResult, self.call(operation))

    def stop_transaction(
        self, charge_point_id: str, transaction_id: str | int, *, wait: float | None = None
    ) -> RemoteTransactionResult:
        operation = ops.stop_transaction(self._remote_stop_url, charge_point_id, transaction_id, wait)
        return cast(RemoteTransactionResult, self.call(operation))

    # -- commands ----------------------------------------------------------------------------------

    def send_command(
        self,
        charge_point_id: str,
        action: str,
        payload: Mapping[str, Any] | None = None,
        *,
        wait: float | None = None,
    ) -> CommandResult:
        """Any CSMS-initiated OCPP call; with ``wait`` the station's answer is in ``result``."""
        return cast(CommandResult, self.call(ops.send_command(charge_point_id, action, payload, wait)))

    def get_command(self, message_id: str) -> CommandRecord:
        return cast(CommandRecord, self.call(ops.get_command(message_id)))

    # -- the registry ------------------------------------------------------------------------------

    def list_stations(self) -> list[Station]:
        return list(self.iter_stations())

    def iter_stations(self) -> Iterator[Station]:
        return self.pages(ops.list_stations, "chargePoints")

    def get_station(self, charge_point_id: str) -> Station:
        return cast(Station, self.call(ops.get_station(charge_point_id)))

    def register_station(
        self,
        charge_point_id: str,
        *,
        registration_status: RegistrationStatus | None = None,
        security_profile: int | None = None,
        password: str | None = None,
    ) -> Station:
        operation = ops.register_station(charge_point_id, registration_status, security_profile, password)
        return cast(Station, self.call(operation))

    def update_station(
        self,
        charge_point_id: str,
        *,
        registration_status: RegistrationStatus | None = None,
        security_profile: int | None = None,
    ) -> Station:
        operation = ops.update_station(charge_point_id, registration_status, security_profile)
        return cast(Station, self.call(operation))

    def set_station_password(self, charge_point_id: str, password: str) -> PasswordSet:
        return cast(PasswordSet, self.call(ops.set_station_password(charge_point_id, password)))

    def delete_station(self, charge_point_id: str) -> StationDeleted:
        return cast(StationDeleted, self.call(ops.delete_station(charge_point_id)))

    def get_shadow(self, charge_point_id: str) -> Shadow:
        return cast(Shadow, self.call(ops.get_shadow(charge_point_id)))

    def list_transactions(self, charge_point_id: str) -> list[Transaction]:
        return list(self.iter_transactions(charge_point_id))

    def iter_transactions(self, charge_point_id: str) -> Iterator[Transaction]:
        return self.pages(lambda after: ops.list_transactions(charge_point_id, after), "transactions")

    # -- id tokens ---------------------------------------------------------------------------------

    def put_id_token(
        self,
        token: str,
        status: IdTokenStatus,
        *,
        expiry_date: str | None = None,
        group_id_token: str | None = None,
        evse_ids: Sequence[int] | None = None,
    ) -> IdToken:
        operation = ops.put_id_token(token, status, expiry_date, group_id_token, evse_ids)
        return cast(IdToken, self.call(operation))

    def import_id_tokens(self, entries: Sequence[Mapping[str, Any]]) -> IdTokenImported:
        """All or none: a wrong entry raises the 400 naming it (``idTokens[index]: reason``)."""
        return cast(IdTokenImported, self.call(ops.import_id_tokens(entries)))

    def get_id_token(self, token: str) -> IdToken:
        return cast(IdToken, self.call(ops.get_id_token(token)))

    def delete_id_token(self, token: str) -> IdTokenDeleted:
        return cast(IdTokenDeleted, self.call(ops.delete_id_token(token)))

    def list_id_tokens(self) -> list[IdToken]:
        return list(self.iter_id_tokens())

    def iter_id_tokens(self) -> Iterator[IdToken]:
        return self.pages(ops.list_id_tokens, "idTokens")

    # -- events ------------------------------------------------------------------------------------

    def list_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        """One page of the event log after ``after`` (oldest kept without it); ask again after ``next``."""
        return cast(EventPage, self.call(ops.list_events(after, types, charge_point_id, limit)))

    def iter_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Event]:
        """Every event after ``after`` up to the log's end now, page after page."""
        cursor = after
        while True:
            page = self.list_events(cursor, types=types, charge_point_id=charge_point_id, limit=page_size)
            yield from page["events"]
            # A filtered page may move ``next`` without events; the end is a page that moves nothing.
            if not page["events"] and page["next"] == cursor:
                return
            cursor = page["next"]

    def stream_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        reconnect: bool = True,
    ) -> Iterator[Event]:
        """Live events (after ``after``, else from now) as they happen, reconnecting with
        Last-Event-ID when the API ends a stream or the connection drops; stop by leaving the loop."""
        cursor = StreamCursor(after)
        failures = 0
        while True:
            try:
                with self._http.stream(
                    "GET",
                    ops.STREAM_PATH,
                    params=ops.stream_params(types, charge_point_id),
                    headers=ops.stream_headers(cursor.last_id),
                    timeout=httpx.Timeout(self._settings.timeout, read=READ_TIMEOUT_SECONDS),
                ) as response:
                    if response.status_code != 200:
                        response.read()
                        ops.decode(
                            ops.Operation("GET", ops.STREAM_PATH),
                            response.status_code,
                            response.headers,
                            response.content,
                            str(response.url),
                        )
                    failures = 0
                    parser = SseParser()
                    for line in response.iter_lines():
                        message = parser.feed(line)
                        event = None if message is None else cursor.read(message)
                        if event is not None:
                            yield event
                        elif cursor.ended:
                            break
            except httpx.TransportError as error:
                failures += 1
                if not reconnect or failures > MAX_RECONNECTS:
                    raise TransportError(f"GET {ops.STREAM_PATH}: {error}") from error
                self._sleep(cursor.retry_seconds)
                continue
            if not reconnect:
                return
            cursor.reconnecting()

    def iter_audit(self, after: str | None = None) -> Iterator[dict[str, Any]]:
        """The audit log (admin), oldest first, after ``after``, up to its end now."""
        cursor = after
        while True:
            page = cast(dict[str, Any], self.call(ops.list_audit(cursor)))
            yield from page["records"]
            if not page["records"] or page["next"] == cursor:
                return
            cursor = page["next"]

    # -- webhooks (admin) ----------------------------------------------------------------------------

    def create_webhook(
        self, url: str, *, types: Sequence[str] | None = None, secret: str | None = None
    ) -> Webhook:
        """A new webhook; without ``secret`` the API generates one and shows it once (``secret``)."""
        return cast(Webhook, self.call(ops.create_webhook(url, types, secret)))

    def list_webhooks(self) -> list[Webhook]:
        return list(self.pages(ops.list_webhooks, "webhooks"))

    def get_webhook(self, webhook_id: str) -> Webhook:
        return cast(Webhook, self.call(ops.get_webhook(webhook_id)))

    def delete_webhook(self, webhook_id: str) -> WebhookDeleted:
        return cast(WebhookDeleted, self.call(ops.delete_webhook(webhook_id)))

    def webhook_deliveries(self, webhook_id: str) -> Deliveries:
        return cast(Deliveries, self.call(ops.webhook_deliveries(webhook_id)))

    def redeliver(self, webhook_id: str, event_ids: Sequence[str] | None = None) -> Redelivered:
        """Deliver the given events again, or (without ids) every dead letter."""
        return cast(Redelivered, self.call(ops.redeliver(webhook_id, event_ids)))

    # -- probes ------------------------------------------------------------------------------------

    def healthz(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.call(ops.healthz()))

    def readyz(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.call(ops.readyz()))

    def openapi(self) -> dict[str, Any]:
        """The API's OpenAPI document (``/openapi.json``)."""
        return cast(dict[str, Any], self.call(ops.openapi()))
