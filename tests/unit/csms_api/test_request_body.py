"""The body-reading middleware: the whole body in memory within the deadline, else 408."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

import gevent

from csms_api.request_body import BufferedBody


class SlowInput:
    """A wsgi.input that yields to the gevent hub for ``delay`` seconds before answering."""

    def __init__(self, body: bytes, delay: float) -> None:
        self._body = body
        self._delay = delay

    def read(self, size: int = -1) -> bytes:
        gevent.sleep(self._delay)
        return self._body[:size] if size >= 0 else self._body


def call(app: BufferedBody, environ: dict[str, Any]) -> tuple[str, bytes]:
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)

    body = b"".join(app(environ, start_response))
    return started[0], body


def echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Length", environ["CONTENT_LENGTH"])])
    return [body]


def test_body_in_time_reaches_the_app() -> None:
    app = BufferedBody(echo, max_bytes=100, timeout=1)
    environ = {"CONTENT_LENGTH": "5", "wsgi.input": SlowInput(b"hello", 0.01)}
    assert call(app, environ) == ("200 OK", b"hello")


def test_chunked_body_is_read_up_to_the_limit() -> None:
    app = BufferedBody(echo, max_bytes=4, timeout=1)
    status, body = call(app, {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"abc")})
    assert (status, body) == ("200 OK", b"abc")
    status, body = call(app, {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"abcdef")})
    assert status.startswith("413")
    assert json.loads(body) == {"error": "Request body too large"}


def test_late_body_is_408() -> None:
    app = BufferedBody(echo, max_bytes=100, timeout=0.05)
    status, body = call(app, {"CONTENT_LENGTH": "5", "wsgi.input": SlowInput(b"hello", 1)})
    assert status == "408 Request Timeout"
    assert json.loads(body) == {"error": "Request body not received within 0.05 s"}


def test_without_body_or_over_the_limit_the_app_decides() -> None:
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(environ.get("CONTENT_LENGTH", ""))
        start_response("204 No Content", [])
        return []

    middleware = BufferedBody(app, max_bytes=10, timeout=0.05)
    never_read = SlowInput(b"", 5)
    assert call(middleware, {"wsgi.input": never_read})[0] == "204 No Content"
    assert call(middleware, {"CONTENT_LENGTH": "11", "wsgi.input": never_read})[0] == "204 No Content"
    assert seen == ["", "11"]


def test_a_route_allowed_a_larger_body_gets_it_and_only_that_route() -> None:
    app = BufferedBody(echo, max_bytes=4, timeout=1, larger={("PUT", "/id-tokens"): 8})
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked"}

    larger = call(
        app,
        {**chunked, "REQUEST_METHOD": "PUT", "PATH_INFO": "/id-tokens", "wsgi.input": io.BytesIO(b"abcdef")},
    )
    other_method = call(
        app,
        {**chunked, "REQUEST_METHOD": "GET", "PATH_INFO": "/id-tokens", "wsgi.input": io.BytesIO(b"abcdef")},
    )
    too_large = call(
        app,
        {
            **chunked,
            "REQUEST_METHOD": "PUT",
            "PATH_INFO": "/id-tokens",
            "wsgi.input": io.BytesIO(b"abcdefghi"),
        },
    )

    assert larger == ("200 OK", b"abcdef")
    assert other_method[0].startswith("413") and too_large[0].startswith("413")
