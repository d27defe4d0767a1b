"""gunicorn's configuration file for the remote-api, from the same environment variables as everything else.

``csms-remote-api`` applies the same options itself; plain gunicorn takes this file:
``gunicorn -c python:csms_api.gunicorn_conf 'csms_api.app:create_app()'``.
gunicorn reads the module's lowercase names, so they are set at import.
"""

from __future__ import annotations

from csms_api.config import ApiSettings
from csms_api.gunicorn_options import options
from csms_common.config import Environment

_options = options(ApiSettings.from_environment(Environment()))
bind = _options["bind"]
workers = _options["workers"]
threads = _options["threads"]
worker_class = _options["worker_class"]
graceful_timeout = _options["graceful_timeout"]
timeout = _options["timeout"]
accesslog = _options["accesslog"]
control_socket_disable = _options["control_socket_disable"]
