"""gunicorn options for the remote-api from its settings (for csms-remote-api and gunicorn_conf)."""

from __future__ import annotations

from typing import Any

from csms_api.config import ApiSettings


def options(settings: ApiSettings) -> dict[str, Any]:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "threads": settings.threads,
        # gthread: requests block on MQTT round trips (and ?wait= on a station), so each worker
        # serves many at once in threads; no extra dependency as gevent would need.
        "worker_class": "gthread",
        "graceful_timeout": 20,
        # Waiting commands last up to 60 s (?wait=60); the worker timeout must not cut them off.
        "timeout": 90,
        # Idle keep-alive connections stay open longer than clients keep theirs for reuse (Node's
        # fetch 4 s, httpx 5 s): with gunicorn's default of 2 s, a client that reused a connection
        # after about 2 s idle (e.g. a 429 retried after Retry-After: 2) raced the server's close
        # and got ECONNRESET in 2 of 3 runs of tests/sdk/test_js_sdk.py.
        "keepalive": 10,
        "accesslog": None,
        # One control socket path per user would collide between API processes on one host.
        "control_socket_disable": True,
    }
