"""Events and webhooks in the Python SDK without a network: the SSE parser, the stream's resumption
with Last-Event-ID (over httpx's MockTransport), the event pages, and ``verify_signature``."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from csms_common.webhooks.signature import sign
from csms_sdk import AsyncClient, Client, Gone, StreamError, TransportError, verify_signature
from csms_sdk.sse import ServerSentEvent, SseParser


def parse(text: str) -> list[ServerSentEvent]:
    parser = SseParser()
    messages = [parser.feed(line) for line in text.split("\n")]
    return [message for message in messages if message is not None]


def test_sse_parser_reads_ids_types_multiline_data_and_skips_comments() -> None:
    text = 'retry: 1000\n\n: keep-alive\n\nid: 1-0\nevent: station.connected\ndata: {"a":\ndata: 1}\n\ndata:x\n\n'
    assert parse(text) == [
        ServerSentEvent("station.connected", '{"a":\n1}', "1-0", 1000),
        ServerSentEvent("message", "x", "1-0", 1000),
    ]


def frame(event_id: str, event_type: str = "station.connected") -> str:
    event = {"id": event_id, "type": event_type, "time": "t", "chargePointId": "CP", "payload": {}}
    return f"id: {event_id}\nevent: {event_type}\ndata: {json.dumps(event)}\n\n"


def end(next_id: str) -> str:
    return f"event: end\ndata: {json.dumps({'reason': 'time limit', 'next': next_id})}\n\n"


class StreamingApi:
    """Answers each stream request with the next scripted body; records the Last-Event-ID it got."""

    def __init__(self, bodies: list[str | Exception]) -> None:
        self.bodies = bodies
        self.resumed_from: list[str | None] = []
        self.params: list[dict[str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/events/stream"
        self.resumed_from.append(request.headers.get("Last-Event-ID"))
        self.params.append(dict(request.url.params))
        body = self.bodies.pop(0)
        if isinstance(body, Exception):
            raise body
        return httpx.Response(200, text=body, headers={"Content-Type": "text/event-stream"})


def test_stream_resumes_after_end_and_after_a_dropped_connection() -> None:
    api = StreamingApi(
        [
            "retry: 10\n\n" + frame("1-0") + frame("2-0") + end("2-0"),
            httpx.ConnectError("refused"),
            frame("3-0") + end("5-0"),  # 4-0 was filtered out on the server: resume after 5-0
            frame("6-0"),
        ]
    )
    slept: list[float] = []
    with Client("http://api", transport=httpx.MockTransport(api.handle), sleep=slept.append) as client:
        stream = client.stream_events(types=["station.connected", "command.answered"], charge_point_id="CP")
        ids = [next(stream)["id"] for _ in range(4)]
    assert ids == ["1-0", "2-0", "3-0", "6-0"]
    assert api.resumed_from == [None, "2-0", "2-0", "5-0"]
    assert api.params[0] == {"type": "station.connected,command.answered", "chargePointId": "CP"}
    assert slept == [0.01]  # the server's retry: after the dropped connection only


def test_stream_gives_up_after_repeated_connection_failures() -> None:
    api = StreamingApi([httpx.ConnectError("refused")] * 10)
    with Client("http://api", transport=httpx.MockTransport(api.handle), sleep=lambda _: None) as client:
        with pytest.raises(TransportError):
            list(client.stream_events("1-0"))
    assert api.resumed_from == ["1-0"] * 6


def test_stream_error_message_and_error_status_raise() -> None:
    api = StreamingApi([frame("1-0") + 'event: error\ndata: {"error": "shadow unavailable"}\n\n'])
    with Client("http://api", transport=httpx.MockTransport(api.handle)) as client:
        stream = client.stream_events()
        assert next(stream)["id"] == "1-0"
        with pytest.raises(StreamError, match="shadow unavailable"):
            next(stream)

    def gone(_: httpx.Request) -> httpx.Response:
        return httpx.Response(410, json={"error": "Event 1-0 is older than the retention"})

    with Client("http://api", transport=httpx.MockTransport(gone)) as client:
        with pytest.raises(Gone, match="retention"):
            next(client.stream_events("1-0"))


def test_async_stream_resumes_like_the_sync_one() -> None:
    api = StreamingApi([frame("1-0") + end("1-0"), frame("2-0")])

    async def scenario() -> list[str]:
        transport = httpx.MockTransport(api.handle)
        async with AsyncClient("http://api", transport=transport) as client:
            stream = client.stream_events("0-0")
            return [(await anext(stream))["id"] for _ in range(2)]

    assert asyncio.run(scenario()) == ["1-0", "2-0"]
    assert api.resumed_from == ["0-0", "1-0"]


def test_iter_events_pages_until_a_page_moves_nothing() -> None:
    pages = {
        None: ([{"id": "1-0"}], "1-0"),
        "1-0": ([], "9-0"),  # a filtered page: no events, but next moved
        "9-0": ([{"id": "10-0"}], "10-0"),
        "10-0": ([], "10-0"),
    }
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        events, next_id = pages[request.url.params.get("after")]
        return httpx.Response(200, json={"events": events, "next": next_id})

    with Client("http://api", transport=httpx.MockTransport(handle)) as client:
        assert [event["id"] for event in client.iter_events(types=["transaction.started"], page_size=50)] == [
            "1-0",
            "10-0",
        ]
    assert seen[0].url.params["type"] == "transaction.started"
    assert seen[0].url.params["limit"] == "50"
    assert len(seen) == 4


def test_webhook_calls_send_what_the_api_expects() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202 if request.url.path.endswith("redeliver") else 200, json={})

    with Client("http://api", transport=httpx.MockTransport(handle)) as client:
        client.create_webhook("https://hooks.example/x", types=["transaction.started"], secret="s" * 16)
        client.get_webhook("w/1")
        client.webhook_deliveries("w1")
        client.redeliver("w1", ["1-0"])
        client.redeliver("w1")
        client.delete_webhook("w1")
    assert [(request.method, request.url.raw_path.decode()) for request in seen] == [
        ("POST", "/webhooks"),
        ("GET", "/webhooks/w%2F1"),
        ("GET", "/webhooks/w1/deliveries"),
        ("POST", "/webhooks/w1/redeliver"),
        ("POST", "/webhooks/w1/redeliver"),
        ("DELETE", "/webhooks/w1"),
    ]
    assert json.loads(seen[0].content) == {
        "url": "https://hooks.example/x",
        "types": ["transaction.started"],
        "secret": "s" * 16,
    }
    assert json.loads(seen[3].content) == {"eventIds": ["1-0"]}
    assert json.loads(seen[4].content) == {}


SECRET = "whsec-0123456789abcdef"


def test_verify_signature_accepts_what_the_notifier_signs() -> None:
    body = b'{"id":"1-0","type":"station.connected"}'
    headers = {"X-CSMS-Timestamp": "1700000000", "X-CSMS-Signature": sign(SECRET, 1700000000, body)}
    assert verify_signature(SECRET, body, headers, now=1700000100)
    lowercase = {key.lower(): value for key, value in headers.items()}
    assert verify_signature(SECRET, body, lowercase, now=1700000100)
    rotated = {**headers, "X-CSMS-Signature": f"v1={'0' * 64}, {headers['X-CSMS-Signature']}"}
    assert verify_signature(SECRET, body, rotated, now=1700000100)


def test_verify_signature_fixed_vector_from_the_docs() -> None:
    headers = {
        "X-CSMS-Timestamp": "1",
        "X-CSMS-Signature": "v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908",
    }
    assert verify_signature("secret", b"{}", headers, now=1)


@pytest.mark.parametrize(
    ("secret", "body", "timestamp", "now"),
    [
        ("another-secret-000", b"{}", "1700000000", 1700000000),  # wrong secret
        (SECRET, b"{ }", "1700000000", 1700000000),  # body changed
        (SECRET, b"{}", "1700000000", 1700000301),  # too old: a replay
        (SECRET, b"{}", "1700000000", 1699999699),  # from the future
    ],
)
def test_verify_signature_refuses(secret: str, body: bytes, timestamp: str, now: float) -> None:
    headers = {"X-CSMS-Timestamp": timestamp, "X-CSMS-Signature": sign(SECRET, 1700000000, b"{}")}
    assert not verify_signature(secret, body, headers, now=now)


def test_verify_signature_refuses_missing_or_malformed_headers() -> None:
    good = sign(SECRET, 1700000000, b"{}")
    assert not verify_signature(SECRET, b"{}", {"X-CSMS-Signature": good}, now=1700000000)
    assert not verify_signature(SECRET, b"{}", {"X-CSMS-Timestamp": "1700000000"}, now=1700000000)
    malformed = {"X-CSMS-Timestamp": "soon", "X-CSMS-Signature": good}
    assert not verify_signature(SECRET, b"{}", malformed, now=1700000000)
