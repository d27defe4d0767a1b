"""The clients over httpx's MockTransport: pagination, retry, headers, and sync/async parity."""

from __future__ import annotations

import asyncio
import inspect
import json

import httpx
import pytest

from csms_sdk import AsyncClient, Client, OCPPClient, RateLimited, RetryPolicy
from csms_sdk.reference import base_url_of


def paged_api(requests: list[httpx.Request]) -> httpx.MockTransport:
    """Three pages of stations linked by ``next``, as the event stream will answer."""
    pages = {None: ({"chargePointId": "A"}, "p2"), "p2": ({"chargePointId": "B"}, "p3"), "p3": (None, "p4")}

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        item, cursor = pages[request.url.params.get("after")]
        return httpx.Response(200, json={"chargePoints": [item] if item else [], "next": cursor})

    return httpx.MockTransport(handle)


def test_pagination_follows_next_until_an_empty_page() -> None:
    requests: list[httpx.Request] = []
    with Client("http://api", token="t", transport=paged_api(requests)) as client:
        assert [station["chargePointId"] for station in client.iter_stations()] == ["A", "B"]
    assert [request.url.params.get("after") for request in requests] == [None, "p2", "p3"]
    assert requests[0].headers["Authorization"] == "Bearer t"
    assert requests[0].headers["API-Version"] == "v1"


def test_async_pagination_follows_next() -> None:
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        return paged_api(requests).handle_request(request)

    async def scenario() -> list[str]:
        async with AsyncClient("http://api", token="t", transport=httpx.MockTransport(handle)) as client:
            return [station["chargePointId"] for station in await client.list_stations()]

    assert asyncio.run(scenario()) == ["A", "B"]


def test_retry_waits_for_retry_after_then_gives_up() -> None:
    answers = iter([(429, "3"), (429, "1"), (200, None)])

    def handle(request: httpx.Request) -> httpx.Response:
        status, retry_after = next(answers)
        headers = {"Retry-After": retry_after} if retry_after else {}
        body = (
            {"error": "Too many"}
            if status == 429
            else {"messageId": "m", "chargePointId": "C", "state": "sent"}
        )
        return httpx.Response(status, json=body, headers=headers)

    slept: list[float] = []
    retry = RetryPolicy(attempts=3, backoff=0.5)
    with Client(
        "http://api", transport=httpx.MockTransport(handle), retry=retry, sleep=slept.append
    ) as client:
        assert client.send_command("C", "Reset", {"type": "Immediate"})["state"] == "sent"
    assert slept == [3.0, 1.0]

    refusals = httpx.MockTransport(
        lambda request: httpx.Response(429, json={"error": "x"}, headers={"Retry-After": "1"})
    )
    slept.clear()
    with Client(
        "http://api", transport=refusals, retry=RetryPolicy(attempts=2), sleep=slept.append
    ) as client:
        with pytest.raises(RateLimited):
            client.send_command("C", "Reset")
    assert slept == [1.0]
    with Client("http://api", transport=refusals, sleep=slept.append) as client:
        with pytest.raises(RateLimited):
            client.send_command("C", "Reset")  # no policy: no retry
    assert slept == [1.0]


def test_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"message": "sent", "messageId": "m", "chargePointId": "CP001"})

    monkeypatch.setenv("OCPP_API_TOKEN", "from-env")
    client = OCPPClient("https://h/fn/start", "https://h/fn/stop", transport=httpx.MockTransport(handle))
    client.start_transaction("CP001", "user-123", 1)
    client.stop_transaction("CP001", 123456789)
    assert [str(request.url) for request in seen] == ["https://h/fn/start", "https://h/fn/stop"]
    assert seen[0].headers["Authorization"] == "Bearer from-env"
    assert json.loads(seen[0].content) == {"chargePointId": "CP001", "connectorId": 1, "idTag": "user-123"}
    assert json.loads(seen[1].content) == {"chargePointId": "CP001", "transactionId": 123456789}
    explicit = OCPPClient(
        "https://h/a", "https://h/b", token="explicit", transport=httpx.MockTransport(handle)
    )
    explicit.start_transaction("CP001", "user-123")
    assert seen[-1].headers["Authorization"] == "Bearer explicit"


def test_base_url_of_the_reference_urls() -> None:
    assert base_url_of("https://api.example/v1/remote-start-transaction") == "https://api.example/v1"
    assert base_url_of("http://127.0.0.1:8080/remote-start-transaction/") == "http://127.0.0.1:8080"
    assert (
        base_url_of("https://abc.lambda-url.eu-west-1.on.aws/") == "https://abc.lambda-url.eu-west-1.on.aws"
    )


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_async_client_has_every_method_of_the_sync_client() -> None:
    sync_methods = public_methods(Client)
    async_methods = public_methods(AsyncClient)
    assert set(sync_methods) - {"close"} == set(async_methods) - {"aclose"}
    for name, signature in sync_methods.items():
        if name in ("close", "__init__", "pages", "call"):
            continue
        assert list(signature.parameters) == list(async_methods[name].parameters), name
        is_iterator = name.startswith(("iter_", "stream_"))
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)) is not is_iterator, name
