"""The remote-api's gunicorn options follow its settings."""

from __future__ import annotations

from csms_api.config import ApiSettings
from csms_api.gunicorn_options import options
from csms_common.config import Environment


def settings(**values: str) -> ApiSettings:
    return ApiSettings.from_environment(Environment({"OCPP_API_TOKEN": "t" * 20, **values}))


def test_defaults() -> None:
    default = settings()
    assert (default.max_connections, default.header_timeout, default.body_timeout) == (1000, 10, 10.0)
    assert (default.waits_per_token, default.metrics_dir) == (8, None)
    chosen = options(default)
    assert chosen["worker_class"] == "gevent"
    assert chosen["worker_connections"] == 1000
    assert chosen["keepalive"] == 10


def test_settings_reach_gunicorn() -> None:
    chosen = options(
        settings(
            API_WORKERS="3", API_MAX_CONNECTIONS="50", API_HEADER_TIMEOUT="4", PROMETHEUS_MULTIPROC_DIR="/m"
        )
    )
    assert (chosen["workers"], chosen["worker_connections"], chosen["keepalive"]) == (3, 50, 4)
    assert callable(chosen["child_exit"])
