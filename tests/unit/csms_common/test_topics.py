"""The MQTT topic contract: exact topic strings, parser round trips, refusal of invalid ids."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from csms_common import topics
from csms_common.station_id import InvalidStationId
from csms_common.topics import PresenceEvent, RegistryMethod

STATION = "CP-001"


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        (topics.station_in(STATION), "CP-001/in"),
        (topics.station_out(STATION), "CP-001/out"),
        (topics.station_control(STATION), "csms/control/CP-001"),
        (topics.shadow_update(STATION), "$aws/things/CP-001/shadow/update"),
        (topics.shadow_update_result(STATION, True), "$aws/things/CP-001/shadow/update/accepted"),
        (topics.shadow_update_result(STATION, False), "$aws/things/CP-001/shadow/update/rejected"),
        (topics.shadow_get(STATION), "$aws/things/CP-001/shadow/get"),
        (topics.shadow_get_result(STATION, True), "$aws/things/CP-001/shadow/get/accepted"),
        (topics.shadow_get_result(STATION, False), "$aws/things/CP-001/shadow/get/rejected"),
        (topics.presence(PresenceEvent.CONNECTED, STATION), "$aws/events/presence/connected/CP-001"),
        (topics.presence(PresenceEvent.DISCONNECTED, STATION), "$aws/events/presence/disconnected/CP-001"),
        (topics.station_call(STATION), "CP-001/call"),
        (topics.shadow_request(RegistryMethod.CREATE), "csms/secret/shadow/registry/create"),
        (topics.shadow_request(RegistryMethod.SET_PASSWORD), "csms/secret/shadow/credentials/set-password"),
        (topics.shadow_request(RegistryMethod.AUTHENTICATE), "csms/secret/shadow/credentials/authenticate"),
        (topics.shadow_request(RegistryMethod.WEBHOOK_CREATE), "csms/secret/shadow/events/webhook-create"),
        (topics.shadow_request(RegistryMethod.LOOKUP), "csms/shadow/registry/lookup"),
        (topics.shadow_request(RegistryMethod.GET), "csms/shadow/registry/get"),
        (topics.shadow_request(RegistryMethod.LIST), "csms/shadow/registry/list"),
        (topics.shadow_request(RegistryMethod.DELETE), "csms/shadow/registry/delete"),
        (topics.shadow_request(RegistryMethod.TOKEN_PUT), "csms/shadow/tokens/token-put"),
        (topics.shadow_request(RegistryMethod.COMMAND_GET), "csms/shadow/commands/command-get"),
        (topics.shadow_request(RegistryMethod.TRANSACTIONS), "csms/shadow/transactions/transactions"),
        (topics.shadow_request(RegistryMethod.SHADOW_DESIRED), "csms/shadow/documents/shadow-desired"),
        (topics.shadow_request(RegistryMethod.SESSION_LIST), "csms/shadow/billing/session-list"),
        (topics.shadow_request(RegistryMethod.SITE_PUT), "csms/shadow/charging/site-put"),
        (topics.shadow_request(RegistryMethod.PROFILE_PUT), "csms/shadow/charging/charging-profile-put"),
        (topics.shadow_request(RegistryMethod.CAMPAIGN_GET), "csms/shadow/fleet/campaign-get"),
        (topics.shadow_request(RegistryMethod.OCSP), "csms/shadow/certificates/ocsp"),
        (topics.shadow_request(RegistryMethod.AUDIT), "csms/shadow/events/audit"),
        (topics.reply_inbox("api-1"), "csms/replies/api-1"),
    ],
)
def test_builders_format_exact_topics(topic: str, expected: str) -> None:
    assert topic == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HANDLER_INBOUND_FILTER", "$share/ocpp-handler/+/in"),
        ("SHADOW_UPDATE_FILTER", "$aws/things/+/shadow/update"),
        ("SHADOW_GET_FILTER", "$aws/things/+/shadow/get"),
        ("PRESENCE_FILTER", "$aws/events/presence/+/+"),
        ("PRESENCE_CONNECTED_FILTER", "$aws/events/presence/connected/+"),
        ("CONTROL_FILTER", "csms/control/+"),
        ("SHADOW_REQUEST_FILTER", "$share/shadow/csms/shadow/+/+"),
        ("SECRET_SHADOW_REQUEST_FILTER", "$share/shadow/csms/secret/shadow/+/+"),
    ],
)
def test_subscription_filters(name: str, expected: str) -> None:
    assert getattr(topics, name) == expected


BUILDERS: list[Callable[[str], str]] = [
    topics.station_in,
    topics.station_out,
    topics.station_control,
    topics.shadow_update,
    lambda cp: topics.shadow_update_result(cp, True),
    topics.shadow_get,
    lambda cp: topics.shadow_get_result(cp, False),
    lambda cp: topics.presence(PresenceEvent.CONNECTED, cp),
]


@pytest.mark.parametrize("build", BUILDERS)
@pytest.mark.parametrize("station_id", ["", "a/b", "+", "#", "$SYS", "..", "a b", "x" * 49])
def test_builders_refuse_invalid_station_ids(build: Callable[[str], str], station_id: str) -> None:
    with pytest.raises(InvalidStationId):
        build(station_id)


@pytest.mark.parametrize("station_id", ["CP-001", "x" * 48, "Ladesäule", "a.b", "CP$"])
def test_station_topics_round_trip(station_id: str) -> None:
    assert topics.station_from_station_topic(topics.station_in(station_id)) == station_id
    assert topics.station_from_station_topic(topics.station_out(station_id)) == station_id
    assert topics.station_from_control_topic(topics.station_control(station_id)) == station_id
    assert topics.station_from_shadow_topic(topics.shadow_update(station_id)) == station_id
    assert topics.station_from_shadow_topic(topics.shadow_get(station_id)) == station_id
    assert topics.station_from_shadow_topic(topics.shadow_update_result(station_id, True)) == station_id
    assert topics.station_from_shadow_topic(topics.shadow_get_result(station_id, False)) == station_id


@pytest.mark.parametrize("event", list(PresenceEvent))
def test_presence_topic_round_trip(event: PresenceEvent) -> None:
    assert topics.parse_presence_topic(topics.presence(event, STATION)) == (event, STATION)


@pytest.mark.parametrize("method", list(RegistryMethod))
def test_shadow_request_topic_round_trip(method: RegistryMethod) -> None:
    assert topics.shadow_method_from_topic(topics.shadow_request(method)) is method


@pytest.mark.parametrize(
    "topic",
    [
        "CP-001",
        "CP-001/in/x",
        "CP-001/inbox",
        "CP-001/",
        "/in",  # empty station id
        "a/b/in",
        "+/in",
        "$SYS/in",
        "../out",
        "csms/control/CP-001",
    ],
)
def test_station_from_station_topic_refuses(topic: str) -> None:
    with pytest.raises(InvalidStationId):
        topics.station_from_station_topic(topic)


@pytest.mark.parametrize(
    "topic",
    [
        "$aws/things/CP-001/shadow",  # too short
        "$aws/things/CP-001/update/x",
        "aws/things/CP-001/shadow/update",
        "$aws/thing/CP-001/shadow/update",
        "$aws/things/+/shadow/update",
        "$aws/things//shadow/update",
        "$aws/things/$x/shadow/get",
    ],
)
def test_station_from_shadow_topic_refuses(topic: str) -> None:
    with pytest.raises(InvalidStationId):
        topics.station_from_shadow_topic(topic)


@pytest.mark.parametrize(
    "topic",
    [
        "$aws/events/presence/connected",
        "$aws/events/presence/connected/CP-001/x",
        "$aws/events/lifecycle/connected/CP-001",
        "aws/events/presence/connected/CP-001",
        "$aws/events/presence/connected/+",
        "$aws/events/presence/connected/..",
    ],
)
def test_parse_presence_topic_refuses(topic: str) -> None:
    with pytest.raises(InvalidStationId):
        topics.parse_presence_topic(topic)


def test_parse_presence_topic_refuses_an_unknown_event_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="subscribed"):
        topics.parse_presence_topic("$aws/events/presence/subscribed/CP-001")


@pytest.mark.parametrize(
    "topic",
    ["csms/control", "csms/control/CP-001/x", "csms/ctrl/CP-001", "csms/control/#", "csms/control/"],
)
def test_station_from_control_topic_refuses(topic: str) -> None:
    with pytest.raises(InvalidStationId):
        topics.station_from_control_topic(topic)


@pytest.mark.parametrize(
    "topic",
    [
        "csms/registry/get",  # the layout before requests were split by resource
        "csms/shadow/registry",
        "csms/shadow/registry/get/x",
        "csms/shadows/registry/get",
        "csms/shadow/registry/upsert",
        "csms/shadow/registry/GET",
        "csms/shadow/tokens/get",  # a method of another resource
        "csms/shadow/registry/token-put",
        "csms/shadow/billing/site-put",
    ],
)
def test_shadow_method_from_topic_refuses(topic: str) -> None:
    with pytest.raises(ValueError):
        topics.shadow_method_from_topic(topic)


def test_every_resource_has_methods() -> None:
    assert set(topics.RESOURCE_OF.values()) == set(topics.ShadowResource)


@pytest.mark.parametrize(
    "topic",
    [
        "csms/shadow/registry/create",
        "csms/shadow/credentials/authenticate",
        "csms/shadow/events/webhook-create",
        "csms/secret/shadow/registry/get",
        "csms/secret/x/registry/get",
    ],
)
def test_a_method_on_the_other_branch_is_refused(topic: str) -> None:
    """Passwords travel only under csms/secret/, and nothing else does: a request on the wrong branch is refused."""
    with pytest.raises(ValueError):
        topics.shadow_method_from_topic(topic)


def test_the_call_topic_is_a_station_topic() -> None:
    assert topics.station_from_station_topic(topics.station_call(STATION)) == STATION
