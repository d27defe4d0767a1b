"""Entry point of the remote-api: ``csms-remote-api`` runs gunicorn on ``create_app()``."""

from __future__ import annotations

import dataclasses

from flask import Flask
from gunicorn.app.base import BaseApplication

from csms_api.config import ApiSettings
from csms_api.gunicorn_options import options
from csms_api.multiprocess_metrics import prepare_directory
from csms_common.config import ConfigError, Environment
from csms_common.logs import configure_logging
from csms_common.runtime import parse_arguments

ENVIRONMENT_HELP = """\
  OCPP_API_TOKEN          bearer token every request must carry [none: refuses to start]
  OCPP_API_AUTH           token, or none to run without authentication [token]
  MQTT_URL                broker, mqtt://host:port or mqtts:// [mqtt://127.0.0.1:1883]
  MQTT_USERNAME/PASSWORD  broker credentials [none]
  API_HOST/API_PORT       HTTP listener [0.0.0.0:8080]
  API_WORKERS             gunicorn worker processes (gevent: one event loop each) [1]
  API_MAX_CONNECTIONS     open HTTP connections per worker; more wait to be accepted [1000]
  API_HEADER_TIMEOUT      seconds to send a request's line and headers, or to start the next [10]
  API_BODY_TIMEOUT        seconds to send a request's body once its headers are in; else 408 [10]
  API_WAITS_PER_TOKEN     ?wait commands one token may hold open at once, per worker; else 429 [8]
  PROMETHEUS_MULTIPROC_DIR  where workers' metrics add up [a fresh directory when API_WORKERS > 1]
  API_REQUEST_TIMEOUT     seconds to wait for the broker or the shadow service [5]
  API_CONNECT_GRACE       seconds a command waits for a station that is just connecting [1]
  API_COMMAND_RATE/BURST  commands per second per station, and burst [10/100]
  API_CORS_ORIGINS        comma-separated origins allowed by CORS [none]
  OCPP_API_TOKENS_FILE    name:scope:sha256 lines of further tokens [none]
  API_MAX_BODY_BYTES      largest request body [65536]
  LOG_LEVEL               debug, info, warning, error [info]

gunicorn alone works too: gunicorn -c python:csms_api.gunicorn_conf 'csms_api.app:create_app()'
"""


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with its settings from ApiSettings instead of its command line."""

    def __init__(self, settings: ApiSettings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in options(self._settings).items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from csms_api.app import create_app

        configure_logging("remote-api", self._settings.log_level)
        return create_app(self._settings)


def main() -> int:
    parse_arguments(
        "csms-remote-api",
        "REST API for the station registry, shadows and remote commands (gunicorn + Flask).",
        ENVIRONMENT_HELP,
    )
    try:
        settings = ApiSettings.from_environment(Environment())
    except ConfigError as error:
        raise SystemExit(f"configuration error: {error}") from error
    configure_logging("remote-api", settings.log_level)
    settings = dataclasses.replace(
        settings, metrics_dir=prepare_directory(settings.metrics_dir, settings.workers)
    )
    GunicornServer(settings).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
