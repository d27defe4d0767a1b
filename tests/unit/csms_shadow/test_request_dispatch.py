"""The shadow service's request dispatch: the resource in the topic picks a table, the method a handler."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest.mock import AsyncMock, Mock

from csms_common import topics
from csms_common.mqtt_message import InboundMessage
from csms_common.topics import RegistryMethod, ShadowResource
from csms_shadow.registry.registry import RegistryRequests
from csms_shadow.service import ShadowService


def _service() -> tuple[ShadowService, AsyncMock]:
    """A service with only the registry (no billing, events, CA, sites): what unit tests can build."""
    request_client = Mock(publish=AsyncMock())
    registry = RegistryRequests(Mock(), Mock(), Mock(), allocation_ttl_seconds=60)
    service = ShadowService(Mock(), Mock(), request_client, Mock(), Mock(), registry)
    return service, request_client.publish


def _answer(topic: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    service, publish = _service()
    message = InboundMessage(topic, json.dumps(body).encode(), response_topic="csms/replies/test")
    asyncio.run(service.on_registry_request(message))
    (_, payload), options = publish.call_args
    return int(options["properties"]["status"]), json.loads(payload)


def test_every_table_holds_only_its_resources_methods() -> None:
    service, _ = _service()
    tables = service.request_tables
    assert set(tables) == set(ShadowResource)
    for resource, table in tables.items():
        assert all(topics.RESOURCE_OF[method] is resource for method in table)
    assert set(tables[ShadowResource.REGISTRY]) == {
        RegistryMethod.CREATE,
        RegistryMethod.GET,
        RegistryMethod.LIST,
        RegistryMethod.DELETE,
        RegistryMethod.UPDATE,
        RegistryMethod.LOOKUP,
    }


def test_a_method_this_deployment_does_not_serve_is_404() -> None:
    """Before the tables, a billing request with billing off fell through to the registry: KeyError."""
    status, answer = _answer(topics.shadow_request(RegistryMethod.SESSION_LIST), {})
    assert (status, answer) == (404, {"error": "session-list is not served by this deployment"})


def test_a_method_on_another_resources_topic_is_404() -> None:
    status, answer = _answer("csms/shadow/billing/get", {"chargePointId": "CP-1"})
    assert (status, answer) == (404, {"error": "unknown registry method"})
