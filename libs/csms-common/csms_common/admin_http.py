"""The admin HTTP endpoint of the asyncio services: ``/metrics``, ``/healthz`` and ``/readyz``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, make_wsgi_app

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _QuietHandler(WSGIRequestHandler):
    """Scrapes and probes are frequent; they are not worth a log line each."""

    def log_message(self, format: str, *args: Any) -> None:
        return


def admin_app(is_ready: Callable[[], bool]) -> WsgiApp:
    """Return a WSGI app serving metrics, liveness (always 200) and readiness (``is_ready``)."""
    metrics = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            served: Iterable[bytes] = metrics(environ, start_response)
            return served
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status":"ok"}']
        if path == "/readyz":
            ready = is_ready()
            status = "200 OK" if ready else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [b'{"status":"ready"}' if ready else b'{"status":"not ready"}']
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error":"not found"}']

    return app


class AdminServer:
    """Serves :func:`admin_app` from a daemon thread, so scrapes never wait on the event loop."""

    def __init__(self, host: str, port: int, is_ready: Callable[[], bool]) -> None:
        self._server: WSGIServer = make_server(host, port, admin_app(is_ready), handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="admin-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
