"""Every operation of the API's OpenAPI document has a method in both SDKs, and sends that operation."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from csms_api.app import documented_app
from csms_api.blueprints.health import PUBLIC_ENDPOINTS
from csms_api.openapi import openapi_document
from csms_sdk import AsyncClient, Client
from csms_sdk.endpoints import ENDPOINTS, NOT_IN_THE_SDK

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = openapi_document(documented_app(), PUBLIC_ENDPOINTS)
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def document_operations(document: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_operation_of_the_document_has_an_sdk_method() -> None:
    operations = document_operations(DOCUMENT)
    missing = operations - set(ENDPOINTS) - set(NOT_IN_THE_SDK)
    assert not missing, (
        f"operations without an SDK method (add them to csms_sdk.endpoints): {sorted(missing)}"
    )
    stale = (set(ENDPOINTS) | set(NOT_IN_THE_SDK)) - operations
    assert not stale, f"csms_sdk.endpoints names operations the API no longer has: {sorted(stale)}"
    assert not set(ENDPOINTS) & set(NOT_IN_THE_SDK)


def test_the_coverage_check_fails_for_a_new_operation() -> None:
    """The check above is not vacuous: a document with one more operation is caught."""
    grown = json.loads(json.dumps(DOCUMENT))
    grown["paths"]["/brand-new"] = {"get": {"responses": {}}}
    assert document_operations(grown) - set(ENDPOINTS) - set(NOT_IN_THE_SDK) == {"GET /brand-new"}


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS.values())))
def test_each_named_method_is_in_both_clients(name: str) -> None:
    assert callable(getattr(Client, name, None)), f"Client.{name} is missing"
    assert callable(getattr(AsyncClient, name, None)), f"AsyncClient.{name} is missing"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def test_the_js_sdk_names_the_same_operations() -> None:
    """sdk/js/src/endpoints.ts maps the same operations to the camelCase of the same methods."""
    text = (ROOT / "sdk" / "js" / "src" / "endpoints.ts").read_text()
    js_endpoints = dict(re.findall(r'^\s*"([A-Z]+ /[^"]*)": "(\w+)",$', text, re.M))
    assert js_endpoints == {operation: camel(name) for operation, name in ENDPOINTS.items()}
    left_out = re.findall(r'^\s*"([A-Z]+ /[^"]*)": "[^"]*[^\w"][^"]*",$', text, re.M)
    assert set(left_out) == set(NOT_IN_THE_SDK), "the same operations are left out of both SDKs"


SAMPLES: dict[str, Any] = {
    "charge_point_id": "CP1",
    "entries": [{"idToken": "T1", "status": "Accepted"}],
    "campaign": {"selector": "site=a", "firmware": {"version": "2", "location": "https://x/f.bin"}},
    "campaign_id": "c1",
    "action": "Reset",
    "message_id": "m1",
    "token": "t1",
    "status": "Accepted",
    "webhook_id": "w1",
    "url": "https://hook.example/x",
    "tariff_id": "T1",
    "tariff": {"id": "T1", "currency": "EUR", "elements": []},
    "tariff_ids": ["T1"],
    "group": "g1",
    "site_id": "S1",
    "limit": {"amps": 32},
    "expires": "2030-01-01T00:00:00Z",
    "session_id": "CP1:1",
    "serial": "0A",
    "certificate_type": "CSMSRootCertificate",
    "certificate": "-----BEGIN CERTIFICATE-----",
    "certificate_hash_data": {"hashAlgorithm": "SHA256"},
    "target": 2,
    "desired": {"configuration": {"HeartbeatInterval": "60"}},
    "batch_id": "b1",
    "profile_id": 5,
    "profile": {"purpose": "TxDefaultProfile", "schedule": {}},
    "password": "p" * 16,
    "transaction_id": 7,
}
"""An argument for each required parameter name of the clients' methods."""


def generic_answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith(".csv"):
        return httpx.Response(200, text="id\n")
    lists = ("chargePoints", "idTokens", "transactions", "webhooks", "sites", "tariffs", "records", "events")
    return httpx.Response(200, json={**{key: [] for key in lists}, "next": None})


def required_arguments(method: Any) -> list[Any]:
    parameters = list(inspect.signature(method).parameters.values())[1:]
    required = [parameter.name for parameter in parameters if parameter.default is inspect.Parameter.empty]
    unknown = [name for name in required if name not in SAMPLES]
    assert not unknown, f"add a sample for {unknown} to SAMPLES"
    return [SAMPLES[name] for name in required]


def template_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")


@pytest.mark.parametrize("operation", sorted(op for op, name in ENDPOINTS.items() if name != "stream_events"))
def test_each_method_sends_its_operation(operation: str) -> None:
    """Sync and async: the method named for an operation sends that method to that path."""
    method, path = operation.split(" ", 1)
    name = ENDPOINTS[operation]
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return generic_answer(request)

    arguments = required_arguments(getattr(Client, name))
    with Client("http://api", transport=httpx.MockTransport(handle)) as client:
        answer = getattr(client, name)(*arguments)
        if inspect.isgenerator(answer):
            list(answer)

    async def scenario() -> None:
        async with AsyncClient("http://api", transport=httpx.MockTransport(handle)) as client:
            answer = getattr(client, name)(*arguments)
            if inspect.isasyncgen(answer):
                _ = [item async for item in answer]
            else:
                await answer

    asyncio.run(scenario())
    assert len(seen) == 2
    for request in seen:
        assert request.method == method
        assert template_pattern(path).match(request.url.path), (request.url.path, path)
