"""gunicorn's configuration file for the remote-api, from the same environment variables as everything else.

``csms-remote-api`` applies the same options itself; plain gunicorn takes this file:
``gunicorn -c python:csms_api.gunicorn_conf 'csms_api.app:create_app()'``.
gunicorn reads the module's lowercase names, so they are set at import.
"""

from __future__ import annotations

from csms_api.config import ApiSettings
from csms_api.gunicorn_options import options, with_metrics_directory
from csms_common.config import Environment

_options = options(with_metrics_directory(ApiSettings.from_environment(Environment())))
bind = _options["bind"]
workers = _options["workers"]
worker_class = _options["worker_class"]
worker_connections = _options["worker_connections"]
keepalive = _options["keepalive"]
graceful_timeout = _options["graceful_timeout"]
timeout = _options["timeout"]
accesslog = _options["accesslog"]
control_socket_disable = _options["control_socket_disable"]
child_exit = _options["child_exit"]
