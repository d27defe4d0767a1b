"""Read a request's whole body, within a deadline, before the app sees the request.

Views read bodies whenever they like; a client that sends half a body and stops would hold that view
for as long as it pleases. This WSGI middleware reads the body first, under a gevent timeout (the
worker model is gevent: a read waits for the socket without holding a thread), and answers 408 when
the body does not arrive in time. The app then reads from memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import gevent

from csms_api.metrics import BODY_TIMEOUTS

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class BodyTimeout(Exception):
    """The client did not send its body within the deadline."""


class BufferedBody:
    """WSGI middleware: the body in memory within ``timeout`` seconds, else 408.

    ``larger`` allows some routes, keyed ``(method, path)``, a larger body than ``max_bytes`` (an
    id-token import); their views raise ``request.max_content_length`` to match.
    """

    def __init__(
        self,
        app: WSGIApplication,
        max_bytes: int,
        timeout: float,
        larger: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self._app = app
        self._default_max_bytes = max_bytes
        self._timeout = timeout
        self._larger = dict(larger or {})

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        route = (str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", "")))
        max_bytes = self._larger.get(route, self._default_max_bytes)
        declared = _content_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if (declared is None and not chunked) or (declared is not None and declared > max_bytes):
            # Nothing to read, or more than the app accepts: it answers 413 without reading.
            return self._app(environ, start_response)
        try:
            with gevent.Timeout(self._timeout, BodyTimeout):
                body = environ["wsgi.input"].read(max_bytes + 1 if declared is None else declared)
        except BodyTimeout:
            BODY_TIMEOUTS.inc()
            return _error(
                start_response, "408 Request Timeout", f"Request body not received within {self._timeout:g} s"
            )
        if len(body) > max_bytes:
            return _error(start_response, "413 Request Entity Too Large", "Request body too large")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self._app(environ, start_response)


def _content_length(environ: WSGIEnvironment) -> int | None:
    raw = environ.get("CONTENT_LENGTH")
    if not raw:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return None


def _error(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = (json.dumps({"error": message}, separators=(",", ":")) + "\n").encode()
    headers: list[tuple[str, str]] = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
    ]
    start_response(status, headers)
    return [body]
