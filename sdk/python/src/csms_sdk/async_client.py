"""The asynchronous client: the same methods as ``Client``, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

import httpx

from csms_sdk import operations as ops
from csms_sdk.errors import RateLimited, TransportError
from csms_sdk.models import (
    Allocation,
    Assignment,
    AssignmentList,
    Cdr,
    ChargingProfile,
    ChargingProfileList,
    CommandRecord,
    CommandResult,
    Deliveries,
    Event,
    EventPage,
    EvseSite,
    FleetBatch,
    FleetDesiredAnswer,
    FleetStatus,
    IdToken,
    IdTokenDeleted,
    IdTokenImported,
    IdTokenStatus,
    InstalledCertificates,
    IssuedCertificate,
    IssuedCertificates,
    Limit,
    PasswordRotated,
    PasswordSet,
    Redelivered,
    RegistrationStatus,
    RemoteTransactionResult,
    ScheduledLimit,
    SecurityProfileUpgraded,
    Session,
    SessionPage,
    Shadow,
    Site,
    SiteDeleted,
    Station,
    StationDeleted,
    Tariff,
    Transaction,
    Webhook,
    WebhookDeleted,
)
from csms_sdk.retry import RetryPolicy
from csms_sdk.session import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, SessionSettings
from csms_sdk.sse import SseParser
from csms_sdk.stream import MAX_RECONNECTS, READ_TIMEOUT_SECONDS, StreamCursor


class AsyncClient:
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
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = SessionSettings.build(base_url, token, timeout, retry, headers)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
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

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def call(self, operation: ops.Operation) -> Any:
        """Send one operation (retrying 429 if the client has a retry policy); its JSON body."""
        tries = 0
        while True:
            tries += 1
            try:
                response = await self._http.request(
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
                await self._sleep(delay)

    async def pages(self, build: Callable[[str | None], ops.Operation], items_key: str) -> AsyncIterator[Any]:
        """Every item of a list endpoint, page after page while the API names a next cursor."""
        cursor: str | None = None
        while True:
            page = ops.page_of(await self.call(build(cursor)), items_key)
            for item in page.items:
                yield item
            if page.next is None or not page.items:
                return
            cursor = page.next

    # -- the reference's remote start and stop -------------------------------------------------

    async def start_transaction(
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
        return cast(RemoteTransactionResult, await self.call(operation))

    async def stop_transaction(
        self, charge_point_id: str, transaction_id: str | int, *, wait: float | None = None
    ) -> RemoteTransactionResult:
        operation = ops.stop_transaction(self._remote_stop_url, charge_point_id, transaction_id, wait)
        return cast(RemoteTransactionResult, await self.call(operation))

    # -- commands ----------------------------------------------------------------------------------

    async def send_command(
        self,
        charge_point_id: str,
        action: str,
        payload: Mapping[str, Any] | None = None,
        *,
        wait: float | None = None,
    ) -> CommandResult:
        """Any CSMS-initiated OCPP call; with ``wait`` the station's answer is in ``result``."""
        return cast(CommandResult, await self.call(ops.send_command(charge_point_id, action, payload, wait)))

    async def get_command(self, message_id: str) -> CommandRecord:
        return cast(CommandRecord, await self.call(ops.get_command(message_id)))

    # -- the registry ------------------------------------------------------------------------------

    async def list_stations(self) -> list[Station]:
        return [item async for item in self.iter_stations()]

    def iter_stations(self) -> AsyncIterator[Station]:
        return self.pages(ops.list_stations, "chargePoints")

    async def get_station(self, charge_point_id: str) -> Station:
        return cast(Station, await self.call(ops.get_station(charge_point_id)))

    async def register_station(
        self,
        charge_point_id: str,
        *,
        registration_status: RegistrationStatus | None = None,
        security_profile: int | None = None,
        password: str | None = None,
    ) -> Station:
        operation = ops.register_station(charge_point_id, registration_status, security_profile, password)
        return cast(Station, await self.call(operation))

    async def update_station(
        self,
        charge_point_id: str,
        *,
        registration_status: RegistrationStatus | None = None,
        security_profile: int | None = None,
        labels: Mapping[str, str | None] | None = None,
        site: str | ops.Unset | None = ops.UNSET,
        evses: Mapping[str, EvseSite] | None = None,
    ) -> Station:
        """Change what is given: ``labels`` merge (a None value removes one), ``site=None`` takes the
        station out of its site, ``evses={"1": {"site": "depot"}}`` puts single EVSEs in another site."""
        operation = ops.update_station(
            charge_point_id, registration_status, security_profile, labels, site, evses
        )
        return cast(Station, await self.call(operation))

    async def set_station_password(self, charge_point_id: str, password: str) -> PasswordSet:
        return cast(PasswordSet, await self.call(ops.set_station_password(charge_point_id, password)))

    async def delete_station(self, charge_point_id: str) -> StationDeleted:
        return cast(StationDeleted, await self.call(ops.delete_station(charge_point_id)))

    async def get_shadow(self, charge_point_id: str) -> Shadow:
        return cast(Shadow, await self.call(ops.get_shadow(charge_point_id)))

    async def list_transactions(self, charge_point_id: str) -> list[Transaction]:
        return [item async for item in self.iter_transactions(charge_point_id)]

    def iter_transactions(self, charge_point_id: str) -> AsyncIterator[Transaction]:
        return self.pages(lambda after: ops.list_transactions(charge_point_id, after), "transactions")

    # -- id tokens ---------------------------------------------------------------------------------

    async def put_id_token(
        self,
        token: str,
        status: IdTokenStatus,
        *,
        expiry_date: str | None = None,
        group_id_token: str | None = None,
        evse_ids: Sequence[int] | None = None,
    ) -> IdToken:
        operation = ops.put_id_token(token, status, expiry_date, group_id_token, evse_ids)
        return cast(IdToken, await self.call(operation))

    async def import_id_tokens(self, entries: Sequence[Mapping[str, Any]]) -> IdTokenImported:
        """All or none: a wrong entry raises the 400 naming it (``idTokens[index]: reason``)."""
        return cast(IdTokenImported, await self.call(ops.import_id_tokens(entries)))

    async def get_id_token(self, token: str) -> IdToken:
        return cast(IdToken, await self.call(ops.get_id_token(token)))

    async def delete_id_token(self, token: str) -> IdTokenDeleted:
        return cast(IdTokenDeleted, await self.call(ops.delete_id_token(token)))

    async def list_id_tokens(self) -> list[IdToken]:
        return [item async for item in self.iter_id_tokens()]

    def iter_id_tokens(self) -> AsyncIterator[IdToken]:
        return self.pages(ops.list_id_tokens, "idTokens")

    # -- events ------------------------------------------------------------------------------------

    async def list_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        limit: int | None = None,
    ) -> EventPage:
        """One page of the event log after ``after`` (oldest kept without it); ask again after ``next``."""
        return cast(EventPage, await self.call(ops.list_events(after, types, charge_point_id, limit)))

    async def iter_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Event]:
        """Every event after ``after`` up to the log's end now, page after page."""
        cursor = after
        while True:
            page = await self.list_events(
                cursor, types=types, charge_point_id=charge_point_id, limit=page_size
            )
            for event in page["events"]:
                yield event
            # A filtered page may move ``next`` without events; the end is a page that moves nothing.
            if not page["events"] and page["next"] == cursor:
                return
            cursor = page["next"]

    async def stream_events(
        self,
        after: str | None = None,
        *,
        types: Sequence[str] | None = None,
        charge_point_id: str | None = None,
        reconnect: bool = True,
    ) -> AsyncIterator[Event]:
        """Live events (after ``after``, else from now) as they happen, reconnecting with
        Last-Event-ID when the API ends a stream or the connection drops; stop by leaving the loop."""
        cursor = StreamCursor(after)
        failures = 0
        while True:
            try:
                async with self._http.stream(
                    "GET",
                    ops.STREAM_PATH,
                    params=ops.stream_params(types, charge_point_id),
                    headers=ops.stream_headers(cursor.last_id),
                    timeout=httpx.Timeout(self._settings.timeout, read=READ_TIMEOUT_SECONDS),
                ) as response:
                    if response.status_code != 200:
                        await response.aread()
                        ops.decode(
                            ops.Operation("GET", ops.STREAM_PATH),
                            response.status_code,
                            response.headers,
                            response.content,
                            str(response.url),
                        )
                    failures = 0
                    parser = SseParser()
                    async for line in response.aiter_lines():
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
                await self._sleep(cursor.retry_seconds)
                continue
            if not reconnect:
                return
            cursor.reconnecting()

    async def iter_audit(self, after: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """The audit log (admin), oldest first, after ``after``, up to its end now."""
        cursor = after
        while True:
            page = cast(dict[str, Any], await self.call(ops.list_audit(cursor)))
            for record in page["records"]:
                yield record
            if not page["records"] or page["next"] == cursor:
                return
            cursor = page["next"]

    # -- webhooks (admin) ----------------------------------------------------------------------------

    async def create_webhook(
        self, url: str, *, types: Sequence[str] | None = None, secret: str | None = None
    ) -> Webhook:
        """A new webhook; without ``secret`` the API generates one and shows it once (``secret``)."""
        return cast(Webhook, await self.call(ops.create_webhook(url, types, secret)))

    async def list_webhooks(self) -> list[Webhook]:
        return [webhook async for webhook in self.pages(ops.list_webhooks, "webhooks")]

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return cast(Webhook, await self.call(ops.get_webhook(webhook_id)))

    async def delete_webhook(self, webhook_id: str) -> WebhookDeleted:
        return cast(WebhookDeleted, await self.call(ops.delete_webhook(webhook_id)))

    async def webhook_deliveries(self, webhook_id: str) -> Deliveries:
        return cast(Deliveries, await self.call(ops.webhook_deliveries(webhook_id)))

    async def redeliver(self, webhook_id: str, event_ids: Sequence[str] | None = None) -> Redelivered:
        """Deliver the given events again, or (without ids) every dead letter."""
        return cast(Redelivered, await self.call(ops.redeliver(webhook_id, event_ids)))

    # -- station settings, fleet and security ----------------------------------------------------------

    async def patch_shadow(self, charge_point_id: str, desired: Mapping[str, Any] | None) -> Shadow:
        """Merge ``desired`` into the station's desired state (a None value deletes a key)."""
        return cast(Shadow, await self.call(ops.patch_shadow(charge_point_id, desired)))

    async def rotate_password(self, charge_point_id: str) -> PasswordRotated:
        """Give the connected station a new Basic-auth password (it is never shown)."""
        return cast(PasswordRotated, await self.call(ops.rotate_password(charge_point_id)))

    async def upgrade_security_profile(
        self, charge_point_id: str, target: int, *, network_slot: int | None = None
    ) -> SecurityProfileUpgraded:
        operation = ops.upgrade_security_profile(charge_point_id, target, network_slot)
        return cast(SecurityProfileUpgraded, await self.call(operation))

    async def patch_fleet_shadow(
        self, desired: Mapping[str, Any] | None, *, selector: str | None = None
    ) -> FleetDesiredAnswer:
        """Merge ``desired`` into every station the label ``selector`` matches (None: every station)."""
        return cast(FleetDesiredAnswer, await self.call(ops.patch_fleet_shadow(desired, selector)))

    async def fleet_status(self, *, selector: str | None = None) -> FleetStatus:
        return cast(FleetStatus, await self.call(ops.fleet_status(selector)))

    async def send_fleet_command(
        self, action: str, payload: Mapping[str, Any] | None = None, *, selector: str | None = None
    ) -> FleetBatch:
        """The same call to every connected station the selector matches; follow ``get_fleet_command``."""
        return cast(FleetBatch, await self.call(ops.send_fleet_command(action, payload, selector)))

    async def get_fleet_command(self, batch_id: str) -> FleetBatch:
        return cast(FleetBatch, await self.call(ops.get_fleet_command(batch_id)))

    async def create_campaign(self, campaign: Mapping[str, Any]) -> dict[str, Any]:
        """A firmware campaign: ``{"selector", "firmware", "batchSize", "maxFailures", "window"?}``."""
        return cast(dict[str, Any], await self.call(ops.create_campaign(campaign)))

    async def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        """The campaign with each station's state."""
        return cast(dict[str, Any], await self.call(ops.get_campaign(campaign_id)))

    async def control_campaign(self, campaign_id: str, action: str) -> dict[str, Any]:
        """``pause``, ``resume`` or ``cancel`` a campaign."""
        return cast(dict[str, Any], await self.call(ops.control_campaign(campaign_id, action)))

    # -- certificates ----------------------------------------------------------------------------------

    async def list_certificates(self, charge_point_id: str) -> IssuedCertificates:
        """Certificates the CA issued to the station."""
        return cast(IssuedCertificates, await self.call(ops.list_certificates(charge_point_id)))

    async def revoke_certificate(self, charge_point_id: str, serial: str) -> IssuedCertificate:
        return cast(IssuedCertificate, await self.call(ops.revoke_certificate(charge_point_id, serial)))

    async def install_certificate(
        self, charge_point_id: str, certificate_type: str, certificate: str, *, wait: float | None = None
    ) -> CommandResult:
        operation = ops.install_certificate(charge_point_id, certificate_type, certificate, wait)
        return cast(CommandResult, await self.call(operation))

    async def delete_installed_certificate(
        self, charge_point_id: str, certificate_hash_data: Mapping[str, Any], *, wait: float | None = None
    ) -> CommandResult:
        operation = ops.delete_installed_certificate(charge_point_id, certificate_hash_data, wait)
        return cast(CommandResult, await self.call(operation))

    async def refresh_installed_certificates(
        self,
        charge_point_id: str,
        certificate_types: Sequence[str] | None = None,
        *,
        wait: float | None = None,
    ) -> CommandResult:
        operation = ops.refresh_installed_certificates(charge_point_id, certificate_types, wait)
        return cast(CommandResult, await self.call(operation))

    async def get_installed_certificates(self, charge_point_id: str) -> InstalledCertificates:
        return cast(InstalledCertificates, await self.call(ops.get_installed_certificates(charge_point_id)))

    # -- sites and charging profiles -----------------------------------------------------------------

    async def list_sites(self) -> list[Site]:
        return cast(list[Site], (await self.call(ops.list_sites()))["sites"])

    async def get_site(self, site_id: str) -> Site:
        return cast(Site, await self.call(ops.get_site(site_id)))

    async def put_site(
        self,
        site_id: str,
        limit: Limit,
        *,
        name: str | None = None,
        schedule: Sequence[ScheduledLimit] | None = None,
        parent: str | None = None,
        time_zone: str | None = None,
    ) -> Site:
        """Create or replace a site (``limit``: ``{"amps": 32}`` or ``{"watts": 22000}``)."""
        operation = ops.put_site(site_id, limit, name, schedule, parent, time_zone)
        return cast(Site, await self.call(operation))

    async def delete_site(self, site_id: str) -> SiteDeleted:
        return cast(SiteDeleted, await self.call(ops.delete_site(site_id)))

    async def get_allocation(self, site_id: str) -> Allocation:
        return cast(Allocation, await self.call(ops.get_allocation(site_id)))

    async def set_external_limit(self, site_id: str, limit: Limit, expires: str) -> Site:
        return cast(Site, await self.call(ops.set_external_limit(site_id, limit, expires)))

    async def clear_external_limit(self, site_id: str) -> Site:
        return cast(Site, await self.call(ops.clear_external_limit(site_id)))

    async def list_charging_profiles(
        self, charge_point_id: str, source: str | None = None
    ) -> ChargingProfileList:
        """The profiles set through the API (``source`` None or "api"), or with ``source="station"`` the
        ones the station reported (2.x ReportChargingProfiles, after a GetChargingProfiles)."""
        return cast(ChargingProfileList, await self.call(ops.list_charging_profiles(charge_point_id, source)))

    async def get_charging_profile(self, charge_point_id: str, profile_id: int) -> ChargingProfile:
        return cast(ChargingProfile, await self.call(ops.get_charging_profile(charge_point_id, profile_id)))

    async def put_charging_profile(
        self, charge_point_id: str, profile_id: int, profile: ChargingProfile
    ) -> ChargingProfile:
        operation = ops.put_charging_profile(charge_point_id, profile_id, profile)
        return cast(ChargingProfile, await self.call(operation))

    async def delete_charging_profile(self, charge_point_id: str, profile_id: int) -> dict[str, Any]:
        return cast(dict[str, Any], await self.call(ops.delete_charging_profile(charge_point_id, profile_id)))

    # -- billing ---------------------------------------------------------------------------------------

    async def list_tariffs(self) -> list[Tariff]:
        return cast(list[Tariff], (await self.call(ops.list_tariffs()))["tariffs"])

    async def create_tariff(self, tariff: Tariff) -> Tariff:
        return cast(Tariff, await self.call(ops.create_tariff(tariff)))

    async def get_tariff(self, tariff_id: str) -> Tariff:
        return cast(Tariff, await self.call(ops.get_tariff(tariff_id)))

    async def put_tariff(self, tariff_id: str, tariff: Tariff) -> Tariff:
        return cast(Tariff, await self.call(ops.put_tariff(tariff_id, tariff)))

    async def delete_tariff(self, tariff_id: str) -> dict[str, Any]:
        return cast(dict[str, Any], await self.call(ops.delete_tariff(tariff_id)))

    async def list_tariff_assignments(self) -> AssignmentList:
        return cast(AssignmentList, await self.call(ops.list_tariff_assignments()))

    async def assign_default_tariffs(self, tariff_ids: Sequence[str]) -> Assignment:
        return cast(Assignment, await self.call(ops.assign_tariffs("default", tariff_ids)))

    async def assign_station_tariffs(self, charge_point_id: str, tariff_ids: Sequence[str]) -> Assignment:
        return cast(
            Assignment, await self.call(ops.assign_tariffs(f"stations/{charge_point_id}", tariff_ids))
        )

    async def assign_site_tariffs(self, site_id: str, tariff_ids: Sequence[str]) -> Assignment:
        return cast(Assignment, await self.call(ops.assign_tariffs(f"sites/{site_id}", tariff_ids)))

    async def assign_group_tariffs(self, group: str, tariff_ids: Sequence[str]) -> Assignment:
        return cast(Assignment, await self.call(ops.assign_tariffs(f"groups/{group}", tariff_ids)))

    async def list_sessions(
        self,
        cursor: str | None = None,
        *,
        charge_point_id: str | None = None,
        id_token: str | None = None,
        start_from: str | None = None,
        start_to: str | None = None,
        limit: int | None = None,
    ) -> SessionPage:
        """One page of billing sessions (oldest start first); ask again with ``nextCursor``."""
        filters = ops.session_filters(charge_point_id, id_token, start_from, start_to)
        return cast(SessionPage, await self.call(ops.list_sessions(filters, cursor, limit)))

    async def id_tokens_csv(self) -> str:
        """Every id token as CSV (values masked for a read-scope token)."""
        return cast(str, await self.call(ops.id_tokens_csv()))

    async def sessions_csv(
        self,
        *,
        charge_point_id: str | None = None,
        id_token: str | None = None,
        start_from: str | None = None,
        start_to: str | None = None,
    ) -> str:
        """Every matching session as CSV (for accounting)."""
        filters = ops.session_filters(charge_point_id, id_token, start_from, start_to)
        return cast(str, await self.call(ops.sessions_csv(filters)))

    async def get_session(self, session_id: str) -> Session:
        return cast(Session, await self.call(ops.get_session(session_id)))

    async def get_cdr(self, session_id: str) -> Cdr:
        return cast(Cdr, await self.call(ops.get_cdr(session_id)))

    # -- probes ------------------------------------------------------------------------------------

    async def healthz(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self.call(ops.healthz()))

    async def readyz(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self.call(ops.readyz()))

    async def openapi(self) -> dict[str, Any]:
        """The API's OpenAPI document (``/openapi.json``)."""
        return cast(dict[str, Any], await self.call(ops.openapi()))
