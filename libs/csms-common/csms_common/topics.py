"""The MQTT topic contract: the only module that formats or parses topic strings.

See ``docs/topics.md`` for the table of publishers and subscribers.
"""

from __future__ import annotations

from enum import StrEnum

from csms_common.station_id import InvalidStationId, validate_station_id

HANDLER_SHARE_GROUP = "ocpp-handler"
SHADOW_SHARE_GROUP = "shadow"


class PresenceEvent(StrEnum):
    """Presence event types, as in AWS IoT's lifecycle events."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class RegistryMethod(StrEnum):
    """Requests the shadow service answers on ``csms/shadow/{resource}/{method}`` (see
    :data:`RESOURCE_OF`): stations, tokens, records, billing, certificates, fleet, sites, events."""

    CREATE = "create"
    GET = "get"
    LIST = "list"
    DELETE = "delete"
    UPDATE = "update"
    """Change a station's registration status."""
    LOOKUP = "lookup"
    """What an ocpp-handler needs before answering: registration, token statuses, a transaction id."""
    TOKEN_PUT = "token-put"
    TOKEN_GET = "token-get"
    TOKEN_DELETE = "token-delete"
    TOKEN_LIST = "token-list"
    TOKEN_IMPORT = "token-import"
    """Create or replace many id tokens at once, all or none."""
    AUTHENTICATE = "authenticate"
    """The gateway's handshake check: registered, credentials right for the station's security profile."""
    SET_PASSWORD = "set-password"
    COMMAND_GET = "command-get"
    TRANSACTIONS = "transactions"
    """A station's transaction records."""
    EVENTS = "events"
    """A page of the event log (``GET /events``)."""
    AUDIT = "audit"
    """A page of the audit log (``GET /audit``)."""
    WEBHOOK_CREATE = "webhook-create"
    WEBHOOK_LIST = "webhook-list"
    WEBHOOK_GET = "webhook-get"
    WEBHOOK_DELETE = "webhook-delete"
    WEBHOOK_DELIVERIES = "webhook-deliveries"
    """A webhook's delivery log and dead letters."""
    WEBHOOK_REDELIVER = "webhook-redeliver"

    CERTIFICATE_LIST = "certificate-list"
    """The certificates the CA issued to a station."""
    CERTIFICATE_REVOKE = "certificate-revoke"
    CERTIFICATE_INVENTORY = "certificate-inventory"
    """What the station last said it has installed (GetInstalledCertificateIds)."""
    OCSP = "ocsp"
    """An OCSP request (base64 DER) for the built-in CA's responder; the answer is base64 DER."""

    TARIFF_PUT = "tariff-put"
    TARIFF_GET = "tariff-get"
    TARIFF_LIST = "tariff-list"
    TARIFF_DELETE = "tariff-delete"
    TARIFF_ASSIGN = "tariff-assign"
    """Which tariffs apply to a station, an id-token group, or by default."""
    TARIFF_ASSIGNMENTS = "tariff-assignments"
    SESSION_LIST = "session-list"
    """Billing sessions, filtered and paged."""
    SESSION_GET = "session-get"
    """One billing session with its cost breakdown and, once completed, its CDR."""
    FLEET_DESIRED = "fleet-desired"
    """The same desired patch for every station a label selector matches."""
    FLEET_STATUS = "fleet-status"
    """In sync / pending / failed / offline counts of the stations a selector matches."""
    FLEET_LIST = "fleet-list"
    """The stations a label selector matches, with their connection (for fleet commands)."""
    FLEET_BATCH_PUT = "fleet-batch-put"
    FLEET_BATCH_GET = "fleet-batch-get"
    """A fleet command batch with the current state of each station's call."""
    CAMPAIGN_CREATE = "campaign-create"
    """Start a firmware campaign over the stations a label selector matches (docs/fleet.md)."""
    CAMPAIGN_GET = "campaign-get"
    CAMPAIGN_CONTROL = "campaign-control"
    """Pause, resume or cancel a firmware campaign."""
    SHADOW_DESIRED = "shadow-desired"
    """Merge ``state.desired`` into a station's shadow (docs/fleet.md); answers it with its delta."""

    SITE_PUT = "site-put"
    """Smart charging: create or replace a site (a node of the site/circuit tree with its limit)."""
    SITE_GET = "site-get"
    SITE_LIST = "site-list"
    SITE_DELETE = "site-delete"
    SITE_EXTERNAL_LIMIT = "site-external-limit"
    """Set (or clear) a site's external limit, valid until its expiry."""
    SITE_MEMBERSHIP = "site-membership"
    """Which site a station (or each of its EVSEs) belongs to."""
    SITE_ALLOCATION = "site-allocation"
    """What the allocator sent to each transaction in a site, and what the stations answered."""
    PROFILE_PUT = "charging-profile-put"
    """Keep a charging profile a station accepted (``PUT /charge-points/{id}/charging-profiles/{pid}``)."""
    PROFILE_LIST = "charging-profile-list"
    PROFILE_DELETE = "charging-profile-delete"


class NotifierMethod(StrEnum):
    """Requests only the notifier sends, on ``csms/notifier/{method}``: they see webhook secrets."""

    WEBHOOKS = "webhooks"
    """Every webhook with its secret and cursor."""
    PULL = "pull"
    """The next events (and requested redeliveries) for one webhook."""
    ATTEMPT = "attempt"
    """One delivery attempt's outcome: logged; a final one moves the webhook's cursor."""


class StationEvent(StrEnum):
    """Per-station records kept by the shadow service, on ``csms/stations/{cp}/{event}``."""

    TRANSACTIONS = "transactions"
    """ocpp-handler → shadow: a transaction record to create, update or end."""
    COMMANDS = "commands"
    """remote-api, gateway, ocpp-handler → shadow: the state of a CSMS→station call."""


def station_in(station_id: str) -> str:
    """Frames from a station, exactly as sent: gateway → ocpp-handler."""
    return f"{validate_station_id(station_id)}/in"


def station_out(station_id: str) -> str:
    """Replies to the station's own calls (CallResult, CallError): ocpp-handler → gateway.

    The gateway writes nothing else from this topic, so the handler's login cannot command a station.
    """
    return f"{validate_station_id(station_id)}/out"


def station_call(station_id: str) -> str:
    """CSMS-initiated calls to write to a station's socket: remote-api → gateway.

    The gateway writes only Call frames from this topic, one outstanding at a time.
    """
    return f"{validate_station_id(station_id)}/call"


def station_control(station_id: str) -> str:
    """Connection control (disconnect on deregistration): remote-api → every gateway."""
    return f"csms/control/{validate_station_id(station_id)}"


def shadow_update(station_id: str) -> str:
    """Reported-state updates: ocpp-handler, gateway → shadow (the reference's topic)."""
    return f"$aws/things/{validate_station_id(station_id)}/shadow/update"


def shadow_update_result(station_id: str, accepted: bool) -> str:
    """Where the shadow service reports the outcome of an update."""
    return f"{shadow_update(station_id)}/{'accepted' if accepted else 'rejected'}"


def shadow_update_delta(station_id: str) -> str:
    """Desired state not yet reported: shadow → anyone, after a desired change (AWS's topic)."""
    return f"{shadow_update(station_id)}/delta"


def shadow_get(station_id: str) -> str:
    """Shadow read requests: remote-api, gateway → shadow, answered on the MQTT 5 response topic."""
    return f"$aws/things/{validate_station_id(station_id)}/shadow/get"


def shadow_get_result(station_id: str, accepted: bool) -> str:
    """The AWS-style reply topic, used when a get request carries no response topic."""
    return f"{shadow_get(station_id)}/{'accepted' if accepted else 'rejected'}"


def presence(event: PresenceEvent, station_id: str) -> str:
    """Connection lifecycle events: gateway → shadow (and every gateway, for takeover)."""
    return f"$aws/events/presence/{event.value}/{validate_station_id(station_id)}"


class ShadowResource(StrEnum):
    """What a request to the shadow service is about: the level after ``csms/shadow/`` and the
    shadow package that answers it."""

    REGISTRY = "registry"
    """Stations: register, read, list, delete, change status; the handler's lookup."""
    CREDENTIALS = "credentials"
    """Station passwords: the gateway's handshake check, setting a password."""
    TOKENS = "tokens"
    TRANSACTIONS = "transactions"
    COMMANDS = "commands"
    DOCUMENTS = "documents"
    """A station's shadow document (its desired state)."""
    FLEET = "fleet"
    CHARGING = "charging"
    CERTIFICATES = "certificates"
    BILLING = "billing"
    EVENTS = "events"
    """The event and audit logs, webhooks."""


def _resources() -> dict[RegistryMethod, ShadowResource]:
    method, resource = RegistryMethod, ShadowResource
    explicit = {
        method.AUTHENTICATE: resource.CREDENTIALS,
        method.SET_PASSWORD: resource.CREDENTIALS,
        method.COMMAND_GET: resource.COMMANDS,
        method.TRANSACTIONS: resource.TRANSACTIONS,
        method.SHADOW_DESIRED: resource.DOCUMENTS,
        method.EVENTS: resource.EVENTS,
        method.AUDIT: resource.EVENTS,
        method.OCSP: resource.CERTIFICATES,
    }
    by_prefix = {
        "token-": resource.TOKENS,
        "webhook-": resource.EVENTS,
        "certificate-": resource.CERTIFICATES,
        "tariff-": resource.BILLING,
        "session-": resource.BILLING,
        "fleet-": resource.FLEET,
        "campaign-": resource.FLEET,
        "site-": resource.CHARGING,
        "charging-profile-": resource.CHARGING,
    }
    resources = {}
    for each in RegistryMethod:
        prefixed = [owner for prefix, owner in by_prefix.items() if each.value.startswith(prefix)]
        resources[each] = explicit.get(each) or (prefixed[0] if prefixed else resource.REGISTRY)
    return resources


RESOURCE_OF = _resources()
"""The resource (and so the topic) of every shadow request method."""

SECRET_REGISTRY_METHODS = frozenset(
    {
        RegistryMethod.CREATE,
        RegistryMethod.SET_PASSWORD,
        RegistryMethod.AUTHENTICATE,
        RegistryMethod.WEBHOOK_CREATE,
    }
)
"""Requests that may carry a station password or a webhook secret in clear: they travel under
``csms/secret/shadow/``, a branch the broker lets only their sender and the shadow service see
(never ``monitor``), see docs/broker-trust.md."""


def shadow_request(method: RegistryMethod) -> str:
    """Requests to the shadow service: remote-api, gateway, ocpp-handler → one shadow replica (shared
    subscription), on ``csms/shadow/{resource}/{method}`` or, carrying a secret,
    ``csms/secret/shadow/{resource}/{method}``."""
    branch = "csms/secret/shadow" if method in SECRET_REGISTRY_METHODS else "csms/shadow"
    return f"{branch}/{RESOURCE_OF[method].value}/{method.value}"


def station_event(event: StationEvent, station_id: str) -> str:
    """Per-station records, partitioned and ordered like shadow updates."""
    return f"csms/stations/{validate_station_id(station_id)}/{event.value}"


def notifier_request(method: NotifierMethod) -> str:
    """Webhook state requests: notifier → one shadow replica (shared subscription)."""
    return f"csms/notifier/{method.value}"


AUDIT_RECORDS = "csms/audit"
"""Audit records of state-changing API calls: remote-api → shadow (partition 0 stores them)."""

CA_CRL = "csms/ca/crl"
"""The built-in CA's revocation list (PEM, retained): shadow → gateways, which refuse revoked
station certificates at the TLS handshake."""
EVENTS_APPENDED = "csms/events/appended"
"""A wake-up after events were appended (QoS 0, ``{"last": id}``): shadow → notifier."""


def reply_inbox(client_id: str) -> str:
    """The private response topic of one MQTT client, for MQTT 5 request/response."""
    return f"csms/replies/{client_id}"


# Subscription filters. A pool consuming with ``$share`` uses a topic that does
# not start with ``$``: Mosquitto 2.0.11 delivers nothing through
# ``$share/g/$aws/...`` (measured, see docs/topics.md).
HANDLER_INBOUND_FILTER = f"$share/{HANDLER_SHARE_GROUP}/+/in"
SHADOW_UPDATE_FILTER = "$aws/things/+/shadow/update"
SHADOW_GET_FILTER = "$aws/things/+/shadow/get"
PRESENCE_FILTER = "$aws/events/presence/+/+"
PRESENCE_CONNECTED_FILTER = "$aws/events/presence/connected/+"
CONTROL_FILTER = "csms/control/+"
SHADOW_REQUESTS = "csms/shadow/+/+"
"""Every ordinary request to the shadow service (for broker ACLs)."""
SECRET_SHADOW_REQUESTS = "csms/secret/shadow/+/+"
"""Every secret-carrying request to the shadow service (for broker ACLs)."""
SHADOW_REQUEST_FILTER = f"$share/{SHADOW_SHARE_GROUP}/{SHADOW_REQUESTS}"
SECRET_SHADOW_REQUEST_FILTER = f"$share/{SHADOW_SHARE_GROUP}/{SECRET_SHADOW_REQUESTS}"
STATION_EVENTS_FILTER = "csms/stations/+/+"
NOTIFIER_FILTER = f"$share/{SHADOW_SHARE_GROUP}/csms/notifier/+"


def _levels(topic: str) -> list[str]:
    return topic.split("/")


def station_from_station_topic(topic: str) -> str:
    """Return the station id of ``{cp}/in``, ``{cp}/out`` or ``{cp}/call``."""
    levels = _levels(topic)
    if len(levels) != 2 or levels[1] not in ("in", "out", "call"):
        raise InvalidStationId(f"not a station topic: {topic!r}")
    return validate_station_id(levels[0])


def station_from_shadow_topic(topic: str) -> str:
    """Return the station id of ``$aws/things/{cp}/shadow/...``."""
    levels = _levels(topic)
    if len(levels) < 5 or levels[:2] != ["$aws", "things"] or levels[3] != "shadow":
        raise InvalidStationId(f"not a shadow topic: {topic!r}")
    return validate_station_id(levels[2])


def parse_presence_topic(topic: str) -> tuple[PresenceEvent, str]:
    """Return the event and station id of ``$aws/events/presence/{event}/{cp}``."""
    levels = _levels(topic)
    if len(levels) != 5 or levels[:3] != ["$aws", "events", "presence"]:
        raise InvalidStationId(f"not a presence topic: {topic!r}")
    return PresenceEvent(levels[3]), validate_station_id(levels[4])


def station_from_control_topic(topic: str) -> str:
    """Return the station id of ``csms/control/{cp}``."""
    levels = _levels(topic)
    if len(levels) != 3 or levels[:2] != ["csms", "control"]:
        raise InvalidStationId(f"not a control topic: {topic!r}")
    return validate_station_id(levels[2])


def shadow_method_from_topic(topic: str) -> RegistryMethod:
    """Return the method of ``csms/shadow/{resource}/{method}`` or ``csms/secret/shadow/{resource}/{method}``.

    The method must belong to the resource; a method that carries secrets is accepted only on the
    secret branch, and only there."""
    levels = _levels(topic)
    if levels[:2] == ["csms", "secret"]:
        levels = ["csms", *levels[2:]]
        secret = True
    else:
        secret = False
    if len(levels) != 4 or levels[:2] != ["csms", "shadow"]:
        raise ValueError(f"not a shadow request topic: {topic!r}")
    method = RegistryMethod(levels[3])
    if RESOURCE_OF[method].value != levels[2]:
        raise ValueError(f"{method.value} is not a {levels[2]!r} request")
    if (method in SECRET_REGISTRY_METHODS) != secret:
        raise ValueError(f"{method.value} is not served on {topic!r}")
    return method


def parse_station_event_topic(topic: str) -> tuple[StationEvent, str]:
    """Return the event and station id of ``csms/stations/{cp}/{event}``."""
    levels = _levels(topic)
    if len(levels) != 4 or levels[:2] != ["csms", "stations"]:
        raise InvalidStationId(f"not a station event topic: {topic!r}")
    return StationEvent(levels[3]), validate_station_id(levels[2])


def notifier_method_from_topic(topic: str) -> NotifierMethod:
    """Return the method of ``csms/notifier/{method}``."""
    levels = _levels(topic)
    if len(levels) != 3 or levels[:2] != ["csms", "notifier"]:
        raise ValueError(f"not a notifier topic: {topic!r}")
    return NotifierMethod(levels[2])
