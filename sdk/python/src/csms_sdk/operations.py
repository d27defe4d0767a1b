"""The API's operations without I/O: what to send for each call, and what an answer means.

The sync and the async client both build an ``Operation`` here, send it their own way and hand
the answer to ``decode``; so the two behave the same by construction, and this module is tested
without a network.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from csms_sdk.errors import (
    STATUS_ERRORS,
    AlreadyRegistered,
    ApiError,
    NotConnected,
    NotRegistered,
    RateLimited,
)
from csms_sdk.retry import parse_retry_after

MAX_WAIT_SECONDS = 60.0
"""The API's limit for ``?wait``."""

WAIT_MARGIN_SECONDS = 10.0
"""How much longer than ``wait`` the HTTP read may take (the API answers 504 itself at ``wait``)."""


@dataclass(frozen=True)
class Operation:
    """One HTTP request and how to read its errors."""

    method: str
    url: str
    """A path below the client's base URL, or an absolute URL (the reference's per-endpoint URLs)."""
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    wait: float | None = None
    errors: Mapping[int, type[ApiError]] = field(default_factory=dict)
    """Narrower error classes for this operation than ``STATUS_ERRORS`` (404 → NotRegistered, ...)."""
    text: bool = False
    """A 2xx answer is text (``/sessions.csv``), returned as a str rather than read as JSON."""

    def timeout(self, default: float) -> float:
        """The read timeout: a command that waits for its station gets ``wait`` plus a margin."""
        if self.wait is None:
            return default
        return max(default, self.wait + WAIT_MARGIN_SECONDS)


class UnexpectedResponse(ApiError):
    """A status the API does not document, or a body that is not JSON."""


def station_path(station_id: str, *rest: str) -> str:
    return "/".join(["/charge-points", quote(station_id, safe=""), *(quote(part, safe="") for part in rest)])


def wait_params(wait: float | None) -> dict[str, str]:
    if wait is None:
        return {}
    if not 0 < wait <= MAX_WAIT_SECONDS:
        raise ValueError(f"wait must be more than 0 and at most {MAX_WAIT_SECONDS:g} seconds")
    return {"wait": f"{wait:g}"}


def page_params(after: str | None, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Query parameters of a list request: the cursor (``after``) and the filters that are set."""
    params = {key: value for key, value in (extra or {}).items() if value is not None}
    if after is not None:
        params["after"] = after
    return params


_STATION = {404: NotRegistered}
_COMMAND = {404: NotRegistered, 409: NotConnected}


def list_stations(after: str | None = None) -> Operation:
    return Operation("GET", "/charge-points", page_params(after))


def get_station(station_id: str) -> Operation:
    return Operation("GET", station_path(station_id), errors=_STATION)


def register_station(
    station_id: str,
    registration_status: str | None = None,
    security_profile: int | None = None,
    password: str | None = None,
) -> Operation:
    body: dict[str, Any] = {"chargePointId": station_id}
    if registration_status is not None:
        body["registrationStatus"] = registration_status
    if security_profile is not None:
        body["securityProfile"] = security_profile
    if password is not None:
        body["password"] = password
    return Operation("POST", "/charge-points", body=body, errors={409: AlreadyRegistered})


class Unset(enum.Enum):
    """The default of an argument whose None means something (``site=None`` removes the site)."""

    UNSET = "unset"


UNSET = Unset.UNSET


def update_station(
    station_id: str,
    registration_status: str | None = None,
    security_profile: int | None = None,
    labels: Mapping[str, str | None] | None = None,
    site: str | Unset | None = UNSET,
    evses: Mapping[str, Mapping[str, Any]] | None = None,
) -> Operation:
    body: dict[str, Any] = {}
    if registration_status is not None:
        body["registrationStatus"] = registration_status
    if security_profile is not None:
        body["securityProfile"] = security_profile
    if labels is not None:
        body["labels"] = dict(labels)
    if site is not UNSET:
        body["site"] = site
    if evses is not None:
        body["evses"] = {evse: dict(change) for evse, change in evses.items()}
    return Operation("PATCH", station_path(station_id), body=body, errors=_STATION)


def set_station_password(station_id: str, password: str) -> Operation:
    return Operation(
        "PUT", station_path(station_id, "password"), body={"password": password}, errors=_STATION
    )


def delete_station(station_id: str) -> Operation:
    return Operation("DELETE", station_path(station_id), errors=_STATION)


def get_shadow(station_id: str) -> Operation:
    return Operation("GET", station_path(station_id, "shadow"), errors=_STATION)


def list_transactions(station_id: str, after: str | None = None) -> Operation:
    return Operation("GET", station_path(station_id, "transactions"), page_params(after), errors=_STATION)


def start_transaction(
    url: str,
    charge_point_id: str,
    id_tag: str | None,
    connector_id: int,
    transaction_data: Mapping[str, Any] | None,
    wait: float | None,
) -> Operation:
    body: dict[str, Any] = {"chargePointId": charge_point_id, "connectorId": connector_id}
    if id_tag is not None:
        body["idTag"] = id_tag
    if transaction_data is not None:
        body["transactionData"] = dict(transaction_data)
    return Operation("POST", url, wait_params(wait), body, wait, _COMMAND)


def stop_transaction(
    url: str, charge_point_id: str, transaction_id: str | int, wait: float | None
) -> Operation:
    body = {"chargePointId": charge_point_id, "transactionId": transaction_id}
    return Operation("POST", url, wait_params(wait), body, wait, _COMMAND)


def send_command(
    station_id: str, action: str, payload: Mapping[str, Any] | None, wait: float | None
) -> Operation:
    url = station_path(station_id, "commands", action)
    return Operation("POST", url, wait_params(wait), dict(payload or {}), wait, _COMMAND)


def get_command(message_id: str) -> Operation:
    return Operation("GET", f"/commands/{quote(message_id, safe='')}")


def list_id_tokens(after: str | None = None) -> Operation:
    return Operation("GET", "/id-tokens", page_params(after))


def get_id_token(token: str) -> Operation:
    return Operation("GET", f"/id-tokens/{quote(token, safe='')}")


def put_id_token(
    token: str,
    status: str,
    expiry_date: str | None = None,
    group_id_token: str | None = None,
    evse_ids: Sequence[int] | None = None,
) -> Operation:
    body: dict[str, Any] = {"status": status}
    if expiry_date is not None:
        body["expiryDate"] = expiry_date
    if group_id_token is not None:
        body["groupIdToken"] = group_id_token
    if evse_ids is not None:
        body["evseIds"] = list(evse_ids)
    return Operation("PUT", f"/id-tokens/{quote(token, safe='')}", body=body)


def import_id_tokens(entries: Sequence[Mapping[str, Any]]) -> Operation:
    """Create or replace every token (each a PUT body plus ``idToken``), or none if one is wrong."""
    return Operation("PUT", "/id-tokens", body=[dict(entry) for entry in entries])


def delete_id_token(token: str) -> Operation:
    return Operation("DELETE", f"/id-tokens/{quote(token, safe='')}")


def event_filters(types: Sequence[str] | None, charge_point_id: str | None) -> dict[str, str | None]:
    """``type`` (comma-separated) and ``chargePointId`` query parameters; None leaves one out."""
    return {"type": ",".join(types) if types else None, "chargePointId": charge_point_id}


def list_events(
    after: str | None = None,
    types: Sequence[str] | None = None,
    charge_point_id: str | None = None,
    limit: int | None = None,
) -> Operation:
    filters = event_filters(types, charge_point_id)
    if limit is not None:
        filters["limit"] = str(limit)
    return Operation("GET", "/events", page_params(after, filters))


STREAM_PATH = "/events/stream"


def stream_params(types: Sequence[str] | None, charge_point_id: str | None) -> dict[str, str]:
    return page_params(None, event_filters(types, charge_point_id))


def stream_headers(last_event_id: str | None) -> dict[str, str]:
    return {} if last_event_id is None else {"Last-Event-ID": last_event_id}


def list_audit(after: str | None = None, limit: int | None = None) -> Operation:
    return Operation("GET", "/audit", page_params(after, {"limit": None if limit is None else str(limit)}))


def _webhook_path(webhook_id: str, *rest: str) -> str:
    return "/".join(["/webhooks", quote(webhook_id, safe=""), *rest])


def create_webhook(url: str, types: Sequence[str] | None = None, secret: str | None = None) -> Operation:
    body: dict[str, Any] = {"url": url}
    if types is not None:
        body["types"] = list(types)
    if secret is not None:
        body["secret"] = secret
    return Operation("POST", "/webhooks", body=body)


def list_webhooks(after: str | None = None) -> Operation:
    return Operation("GET", "/webhooks", page_params(after))


def get_webhook(webhook_id: str) -> Operation:
    return Operation("GET", _webhook_path(webhook_id))


def delete_webhook(webhook_id: str) -> Operation:
    return Operation("DELETE", _webhook_path(webhook_id))


def webhook_deliveries(webhook_id: str) -> Operation:
    return Operation("GET", _webhook_path(webhook_id, "deliveries"))


def redeliver(webhook_id: str, event_ids: Sequence[str] | None = None) -> Operation:
    """Deliver the given events again, or (without ids) every dead letter."""
    body = {} if event_ids is None else {"eventIds": list(event_ids)}
    return Operation("POST", _webhook_path(webhook_id, "redeliver"), body=body)


def patch_shadow(station_id: str, desired: Mapping[str, Any] | None) -> Operation:
    """Merge ``desired`` into the station's desired state (None clears it all; a None value a key)."""
    body = {"state": {"desired": None if desired is None else dict(desired)}}
    return Operation("PATCH", station_path(station_id, "shadow"), body=body, errors=_STATION)


def rotate_password(station_id: str) -> Operation:
    return Operation("POST", station_path(station_id, "password", "rotate"), body={}, errors=_COMMAND)


def upgrade_security_profile(station_id: str, target: int, network_slot: int | None = None) -> Operation:
    body: dict[str, Any] = {"target": target}
    if network_slot is not None:
        body["networkSlot"] = network_slot
    return Operation("POST", station_path(station_id, "security-profile"), body=body, errors=_COMMAND)


# -- certificates ------------------------------------------------------------------------------------


def list_certificates(station_id: str) -> Operation:
    return Operation("GET", station_path(station_id, "certificates"), errors=_STATION)


def revoke_certificate(station_id: str, serial: str) -> Operation:
    return Operation("DELETE", station_path(station_id, "certificates", serial), errors=_STATION)


def install_certificate(
    station_id: str, certificate_type: str, certificate: str, wait: float | None
) -> Operation:
    body = {"certificateType": certificate_type, "certificate": certificate}
    url = station_path(station_id, "certificates", "install")
    return Operation("POST", url, wait_params(wait), body, wait, _COMMAND)


def delete_installed_certificate(
    station_id: str, certificate_hash_data: Mapping[str, Any], wait: float | None
) -> Operation:
    body = {"certificateHashData": dict(certificate_hash_data)}
    url = station_path(station_id, "installed-certificates", "delete")
    return Operation("POST", url, wait_params(wait), body, wait, _COMMAND)


def refresh_installed_certificates(
    station_id: str, certificate_types: Sequence[str] | None, wait: float | None
) -> Operation:
    body = {} if certificate_types is None else {"certificateType": list(certificate_types)}
    url = station_path(station_id, "installed-certificates", "refresh")
    return Operation("POST", url, wait_params(wait), body, wait, _COMMAND)


def get_installed_certificates(station_id: str) -> Operation:
    return Operation("GET", station_path(station_id, "installed-certificates"), errors=_STATION)


# -- fleet -------------------------------------------------------------------------------------------


def selector_params(selector: str | None) -> dict[str, str]:
    """``?selector=`` (a Kubernetes label selector); None or empty: every station."""
    return {} if not selector else {"selector": selector}


def patch_fleet_shadow(desired: Mapping[str, Any] | None, selector: str | None) -> Operation:
    body = {"state": {"desired": None if desired is None else dict(desired)}}
    return Operation("PATCH", "/fleet/shadow", selector_params(selector), body)


def fleet_status(selector: str | None) -> Operation:
    return Operation("GET", "/fleet/status", selector_params(selector))


def send_fleet_command(action: str, payload: Mapping[str, Any] | None, selector: str | None) -> Operation:
    url = f"/fleet/commands/{quote(action, safe='')}"
    return Operation("POST", url, selector_params(selector), dict(payload or {}))


def get_fleet_command(batch_id: str) -> Operation:
    return Operation("GET", f"/fleet/commands/{quote(batch_id, safe='')}")


def create_campaign(campaign: Mapping[str, Any]) -> Operation:
    return Operation("POST", "/campaigns", body=dict(campaign))


def get_campaign(campaign_id: str) -> Operation:
    return Operation("GET", f"/campaigns/{quote(campaign_id, safe='')}")


def control_campaign(campaign_id: str, action: str) -> Operation:
    return Operation("POST", f"/campaigns/{quote(campaign_id, safe='')}/{quote(action, safe='')}")


# -- sites and charging profiles --------------------------------------------------------------------


def _site_path(site_id: str, *rest: str) -> str:
    return "/".join(["/sites", quote(site_id, safe=""), *rest])


def list_sites() -> Operation:
    return Operation("GET", "/sites")


def get_site(site_id: str) -> Operation:
    return Operation("GET", _site_path(site_id))


def put_site(
    site_id: str,
    limit: Mapping[str, Any],
    name: str | None = None,
    schedule: Sequence[Mapping[str, Any]] | None = None,
    parent: str | None = None,
    time_zone: str | None = None,
) -> Operation:
    body: dict[str, Any] = {"limit": dict(limit)}
    optional = {"name": name, "parent": parent, "timeZone": time_zone}
    body.update({key: value for key, value in optional.items() if value is not None})
    if schedule is not None:
        body["schedule"] = [dict(entry) for entry in schedule]
    return Operation("PUT", _site_path(site_id), body=body)


def delete_site(site_id: str) -> Operation:
    return Operation("DELETE", _site_path(site_id))


def get_allocation(site_id: str) -> Operation:
    return Operation("GET", _site_path(site_id, "allocation"))


def set_external_limit(site_id: str, limit: Mapping[str, Any], expires: str) -> Operation:
    body = {"limit": dict(limit), "expires": expires}
    return Operation("PUT", _site_path(site_id, "external-limit"), body=body)


def clear_external_limit(site_id: str) -> Operation:
    return Operation("DELETE", _site_path(site_id, "external-limit"))


def list_charging_profiles(station_id: str, source: str | None = None) -> Operation:
    params = {} if source is None else {"source": source}
    return Operation("GET", station_path(station_id, "charging-profiles"), params=params, errors=_STATION)


def get_charging_profile(station_id: str, profile_id: int) -> Operation:
    return Operation("GET", station_path(station_id, "charging-profiles", str(profile_id)), errors=_STATION)


def put_charging_profile(station_id: str, profile_id: int, profile: Mapping[str, Any]) -> Operation:
    url = station_path(station_id, "charging-profiles", str(profile_id))
    return Operation("PUT", url, body=dict(profile), errors=_COMMAND)


def delete_charging_profile(station_id: str, profile_id: int) -> Operation:
    url = station_path(station_id, "charging-profiles", str(profile_id))
    return Operation("DELETE", url, errors=_COMMAND)


# -- billing -----------------------------------------------------------------------------------------


def _tariff_path(tariff_id: str) -> str:
    return f"/tariffs/{quote(tariff_id, safe='')}"


def list_tariffs() -> Operation:
    return Operation("GET", "/tariffs")


def create_tariff(tariff: Mapping[str, Any]) -> Operation:
    return Operation("POST", "/tariffs", body=dict(tariff))


def get_tariff(tariff_id: str) -> Operation:
    return Operation("GET", _tariff_path(tariff_id))


def put_tariff(tariff_id: str, tariff: Mapping[str, Any]) -> Operation:
    return Operation("PUT", _tariff_path(tariff_id), body=dict(tariff))


def delete_tariff(tariff_id: str) -> Operation:
    return Operation("DELETE", _tariff_path(tariff_id))


def list_tariff_assignments() -> Operation:
    return Operation("GET", "/tariff-assignments")


def assign_tariffs(target: str, tariff_ids: Sequence[str]) -> Operation:
    """``target``: ``default``, ``stations/{id}``, ``sites/{id}`` or ``groups/{group}`` (quoted here)."""
    kind, _, name = target.partition("/")
    path = kind if not name else f"{kind}/{quote(name, safe='')}"
    return Operation("PUT", f"/tariff-assignments/{path}", body={"tariffIds": list(tariff_ids)})


def session_filters(
    charge_point_id: str | None, id_token: str | None, start_from: str | None, start_to: str | None
) -> dict[str, str | None]:
    return {"chargePointId": charge_point_id, "idToken": id_token, "from": start_from, "to": start_to}


def list_sessions(
    filters: Mapping[str, str | None], cursor: str | None = None, limit: int | None = None
) -> Operation:
    params = {key: value for key, value in filters.items() if value is not None}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = str(limit)
    return Operation("GET", "/sessions", params)


def id_tokens_csv() -> Operation:
    return Operation("GET", "/id-tokens.csv", text=True)


def sessions_csv(filters: Mapping[str, str | None]) -> Operation:
    params = {key: value for key, value in filters.items() if value is not None}
    return Operation("GET", "/sessions.csv", params, text=True)


def get_session(session_id: str) -> Operation:
    return Operation("GET", f"/sessions/{quote(session_id, safe='')}")


def get_cdr(session_id: str) -> Operation:
    return Operation("GET", f"/cdrs/{quote(session_id, safe='')}")


def healthz() -> Operation:
    return Operation("GET", "/healthz")


def readyz() -> Operation:
    return Operation("GET", "/readyz", errors={503: ApiError})


def openapi() -> Operation:
    return Operation("GET", "/openapi.json")


def decode(operation: Operation, status: int, headers: Mapping[str, str], content: bytes, url: str) -> Any:
    """The JSON body of a 2xx answer (its text for a text operation); else raise its error class."""
    if operation.text and 200 <= status < 300:
        return content.decode("utf-8")
    try:
        body: Any = json.loads(content) if content else None
    except ValueError as error:
        raise UnexpectedResponse(
            status, f"answer is not JSON: {content[:200]!r}", {}, operation.method, url
        ) from error
    if 200 <= status < 300:
        return body
    raise error_for(operation, status, headers, body, url)


def error_for(operation: Operation, status: int, headers: Mapping[str, str], body: Any, url: str) -> ApiError:
    fields: dict[str, Any] = body if isinstance(body, dict) else {}
    message = str(fields.get("error", f"HTTP {status}"))
    error_class = operation.errors.get(status) or STATUS_ERRORS.get(status, UnexpectedResponse)
    if issubclass(error_class, RateLimited):
        retry_after = parse_retry_after(headers.get("retry-after"))
        return error_class(status, message, fields, operation.method, url, retry_after)
    return error_class(status, message, fields, operation.method, url)


@dataclass(frozen=True)
class Page:
    """One answer of a list endpoint: its items, and the cursor of the next page if there is one."""

    items: list[Any]
    next: str | None


def page_of(body: Any, items_key: str) -> Page:
    """Read a list answer. Today's list endpoints answer everything at once (no ``next``); the
    event stream answers ``{"events": [...], "next": <id>}`` and is read the same way."""
    if not isinstance(body, dict) or not isinstance(body.get(items_key), list):
        raise ValueError(f"expected an object with a {items_key!r} list")
    cursor = body.get("next")
    return Page(list(body[items_key]), None if cursor is None else str(cursor))
