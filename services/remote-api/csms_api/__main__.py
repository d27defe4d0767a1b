"""Entry point of the remote-api: ``csms-remote-api`` runs gunicorn on ``create_app()``."""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication

from csms_api.config import ApiSettings
from csms_api.gunicorn_options import options, with_metrics_directory
from csms_common.logs import configure_logging
from csms_common.runner import Service


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


def serve(settings: ApiSettings) -> int:
    """gunicorn's master: prepares the metrics directory its workers share, then runs them."""
    GunicornServer(with_metrics_directory(settings)).run()
    return 0


SERVICE = Service(
    prog="csms-remote-api",
    log_name="remote-api",
    description="REST API for the station registry, shadows and remote commands (gunicorn + Flask).",
    read_settings=ApiSettings.from_environment,
    run=serve,
    epilog="gunicorn alone works too: gunicorn -c python:csms_api.gunicorn_conf 'csms_api.app:create_app()'",
)
main = SERVICE.main


if __name__ == "__main__":
    raise SystemExit(main())
