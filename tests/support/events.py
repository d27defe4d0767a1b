"""Event-log helpers for the tests: a local webhook receiver, an SSE reader, a private system."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from csms_common.webhooks import signature
from tests.support import infra
from tests.support.system import API_TOKEN, System

RECEIVER_SECRET = "receiver-secret-0123456789abcdef"


@dataclass
class Delivery:
    event: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    answered: int
    signed: bool


@dataclass
class WebhookReceiver:
    """An HTTP server in the test process; answers 500 to its first ``fail_first`` requests."""

    secret: str = RECEIVER_SECRET
    fail_first: int = 0
    delay: float = 0.0
    requests: list[Delivery] = field(default_factory=list)
    arrivals: int = 0
    """Requests that arrived, answered or not yet (a slow receiver's are recorded only once answered)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.arrivals += 1
                if receiver.delay:
                    time.sleep(receiver.delay)
                headers = {key: value for key, value in self.headers.items()}
                signed = signature.verify(
                    receiver.secret,
                    headers.get(signature.TIMESTAMP_HEADER, ""),
                    headers.get(signature.SIGNATURE_HEADER, ""),
                    body,
                    time.time(),
                )
                with receiver.lock:
                    status = 500 if len(receiver.requests) < receiver.fail_first else 200
                    receiver.requests.append(Delivery(json.loads(body), headers, body, status, signed))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def accepted(self) -> list[Delivery]:
        with self.lock:
            return [delivery for delivery in self.requests if delivery.answered == 200]

    def accepted_ids(self) -> list[str]:
        return [delivery.event["id"] for delivery in self.accepted()]


@contextlib.contextmanager
def receiver(fail_first: int = 0, delay: float = 0.0) -> Iterator[WebhookReceiver]:
    running = WebhookReceiver(fail_first=fail_first, delay=delay)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def event_id_key(event_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = event_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def read_sse(
    response: requests.Response, until: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """The SSE frames of a streamed response (``id``, ``event``, ``data``) until ``until`` holds or it ends."""
    frames: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for raw in response.iter_lines(decode_unicode=True):
        line = raw if isinstance(raw, str) else raw.decode()
        if line == "":
            if current:
                frames.append(current)
                current = {}
                if until(frames):
                    break
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        current[name] = value[1:] if value.startswith(" ") else value
    return frames


@contextlib.contextmanager
def private_system(workdir: Path, **shadow_overrides: str) -> Iterator[System]:
    """A broker, Redis, shadow service and remote-api of their own (no stations): for settings such
    as a tiny retention that would disturb the shared system's other tests."""
    for part in ("mosquitto", "redis", "services"):
        (workdir / part).mkdir(parents=True, exist_ok=True)
    with infra.mosquitto(workdir / "mosquitto") as broker, infra.redis(workdir / "redis") as redis_service:
        services = workdir / "services"
        system = System(services, broker.url, redis_service.url, broker.passwords)
        try:
            shadow = system.start("shadow", **shadow_overrides)
            api = system.start("remote-api")
            system.wait_ready(shadow)
            system.wait_ready(api)
            system.api_url = api.admin_url
            yield system
        finally:
            system.stop_all()


def admin_session() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {API_TOKEN}"
    return session


def collect_sse(
    url: str,
    headers: dict[str, str],
    params: dict[str, str],
    count: int,
    seconds: float,
    last_event_id: str | None = None,
    opened: threading.Event | None = None,
) -> list[dict[str, Any]]:
    """Event frames from an SSE endpoint as a client should read it: when a stream ends (its time
    limit), reconnect with Last-Event-ID (the last id seen, or the ``end`` event's ``next``)."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while len(events) < count and time.monotonic() < deadline:
        resume = {"Last-Event-ID": last_event_id} if last_event_id else {}
        with requests.get(
            url, params=params, headers={**headers, **resume}, stream=True, timeout=20
        ) as response:
            assert response.status_code == 200, response.text
            assert response.headers["Content-Type"].startswith("text/event-stream")
            if opened is not None:
                opened.set()
            frames = read_sse(
                response, lambda frames: len(events) + sum(1 for f in frames if "id" in f) >= count
            )
        for frame in frames:
            if "id" in frame:
                events.append(frame)
                last_event_id = frame["id"]
            elif frame.get("event") == "end":
                last_event_id = json.loads(frame["data"])["next"]
    return events
