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
    """Requests the shadow service answers on ``csms/registry/{method}``: stations, tokens, records."""

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
    AUTHENTICATE = "authenticate"
    """The gateway's handshake check: registered, credentials right for the station's security profile."""
    SET_PASSWORD = "set-password"
    COMMAND_GET = "command-get"
    TRANSACTIONS = "transactions"
    """A station's transaction records."""
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
    """Frames to write to a station's socket: ocpp-handler, remote-api → gateway."""
    return f"{validate_station_id(station_id)}/out"


def station_control(station_id: str) -> str:
    """Connection control (disconnect on deregistration): remote-api → every gateway."""
    return f"csms/control/{validate_station_id(station_id)}"


def shadow_update(station_id: str) -> str:
    """Reported-state updates: ocpp-handler, gateway → shadow (the reference's topic)."""
    return f"$aws/things/{validate_station_id(station_id)}/shadow/update"


def shadow_update_result(station_id: str, accepted: bool) -> str:
    """Where the shadow service reports the outcome of an update."""
    return f"{shadow_update(station_id)}/{'accepted' if accepted else 'rejected'}"


def shadow_get(station_id: str) -> str:
    """Shadow read requests: remote-api, gateway → shadow, answered on the MQTT 5 response topic."""
    return f"$aws/things/{validate_station_id(station_id)}/shadow/get"


def shadow_get_result(station_id: str, accepted: bool) -> str:
    """The AWS-style reply topic, used when a get request carries no response topic."""
    return f"{shadow_get(station_id)}/{'accepted' if accepted else 'rejected'}"


def presence(event: PresenceEvent, station_id: str) -> str:
    """Connection lifecycle events: gateway → shadow (and every gateway, for takeover)."""
    return f"$aws/events/presence/{event.value}/{validate_station_id(station_id)}"


def registry_request(method: RegistryMethod) -> str:
    """Registry requests: remote-api → one shadow replica (shared subscription)."""
    return f"csms/registry/{method.value}"


def station_event(event: StationEvent, station_id: str) -> str:
    """Per-station records, partitioned and ordered like shadow updates."""
    return f"csms/stations/{validate_station_id(station_id)}/{event.value}"


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
REGISTRY_FILTER = f"$share/{SHADOW_SHARE_GROUP}/csms/registry/+"
STATION_EVENTS_FILTER = "csms/stations/+/+"


def _levels(topic: str) -> list[str]:
    return topic.split("/")


def station_from_station_topic(topic: str) -> str:
    """Return the station id of ``{cp}/in`` or ``{cp}/out``."""
    levels = _levels(topic)
    if len(levels) != 2 or levels[1] not in ("in", "out"):
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


def registry_method_from_topic(topic: str) -> RegistryMethod:
    """Return the method of ``csms/registry/{method}``."""
    levels = _levels(topic)
    if len(levels) != 3 or levels[:2] != ["csms", "registry"]:
        raise ValueError(f"not a registry topic: {topic!r}")
    return RegistryMethod(levels[2])


def parse_station_event_topic(topic: str) -> tuple[StationEvent, str]:
    """Return the event and station id of ``csms/stations/{cp}/{event}``."""
    levels = _levels(topic)
    if len(levels) != 4 or levels[:2] != ["csms", "stations"]:
        raise InvalidStationId(f"not a station event topic: {topic!r}")
    return StationEvent(levels[3]), validate_station_id(levels[2])
