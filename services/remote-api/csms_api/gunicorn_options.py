"""gunicorn options for the remote-api from its settings (for csms-remote-api and gunicorn_conf)."""

from __future__ import annotations

import dataclasses
from typing import Any

from csms_api.config import ApiSettings
from csms_api.multiprocess_metrics import forget_dead_workers, prepare_directory


def with_metrics_directory(settings: ApiSettings) -> ApiSettings:
    """In gunicorn's master, before the workers start: the settings with the directory where the
    workers' metrics add up (prepared, emptied; None for one worker without one configured)."""
    directory = prepare_directory(settings.metrics_dir, settings.workers)
    return dataclasses.replace(settings, metrics_dir=directory)


def options(settings: ApiSettings) -> dict[str, Any]:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        # gevent: every connection is a greenlet, so a client that sends its request slowly, or a
        # ?wait held for a minute on a silent station, costs a few kilobytes instead of one of a
        # handful of threads (measured with 64 slowloris connections and 16 held waits: /healthz p99
        # 5 s (timeouts) with gthread and 8 threads, see docs/budgets-api.md for gevent).
        "worker_class": "gevent",
        "worker_connections": settings.max_connections,
        # The gevent worker reads each request's line and headers under gevent.Timeout(keepalive):
        # a client has this long to send them, on a new connection and between kept-alive requests.
        # It must also outlast the time clients keep an idle connection for reuse (Node's fetch 4 s,
        # httpx 5 s): with gunicorn's default of 2 s, a client that reused a connection after about
        # 2 s idle (e.g. a 429 retried after Retry-After: 2) raced the server's close and got
        # ECONNRESET in 2 of 3 runs of tests/sdk/test_js_sdk.py (API_HEADER_TIMEOUT, 10 s by default).
        "keepalive": settings.header_timeout,
        "graceful_timeout": 20,
        # Waiting commands last up to 60 s (?wait=60); the worker timeout must not cut them off.
        "timeout": 90,
        "accesslog": None,
        # One control socket path per user would collide between API processes on one host.
        "control_socket_disable": True,
        # prometheus_client's multiprocess mode: a dead worker's live gauges leave the sum.
        "child_exit": forget_dead_workers(settings.metrics_dir),
    }
