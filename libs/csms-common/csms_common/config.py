"""Reading settings from the environment, once, into typed values.

Each service defines one frozen dataclass of its settings and builds it with
these helpers in its ``__main__``; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import math
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


class Environment:
    """Typed accessors over an environment mapping (``os.environ`` by default)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(os.environ if values is None else values)

    def text(self, name: str, default: str) -> str:
        return self._values.get(name, default)

    def optional_text(self, name: str) -> str | None:
        value = self._values.get(name)
        return value if value else None

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as error:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from error
        if minimum is not None and value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")
        return value

    def number(self, name: str, default: float, minimum: float | None = None) -> float:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError as error:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from error
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {raw!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default)
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value


def _unquoted(value: str | None) -> str | None:
    """URL userinfo is percent-encoded, so a password may contain ``@``, ``:`` or ``/``."""
    return None if value is None else unquote(value)


@dataclass(frozen=True)
class MqttSettings:
    """Where and how a service reaches the broker."""

    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    keepalive: int
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    receive_maximum: int = 1000
    """QoS 1 messages the broker may send before this client has acknowledged them (MQTT 5 Receive
    Maximum). A service acknowledges a message once it has handled it, so this bounds what waits in
    its memory; without it the broker may send 65,535, and a shadow service slower than the stream
    grew by about 5 MB a second under ``make bench``."""

    @classmethod
    def from_environment(cls, env: Environment) -> MqttSettings:
        """Read ``MQTT_URL`` (``mqtt://[user:pass@]host:port`` or ``mqtts://``), ``MQTT_USERNAME``,
        ``MQTT_PASSWORD``, ``MQTT_KEEPALIVE`` and, for mqtts, ``MQTT_CA_FILE``, ``MQTT_CERT_FILE`` and
        ``MQTT_KEY_FILE`` (a client certificate: the broker may take its CN as the user name)."""
        url = env.text("MQTT_URL", DEFAULT_MQTT_URL)
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ConfigError(f"MQTT_URL must start with mqtt:// or mqtts://, got {url!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        if not parts.hostname:
            raise ConfigError(f"MQTT_URL has no host: {url!r}")
        try:
            port = parts.port
        except ValueError as error:
            raise ConfigError(f"MQTT_URL has an invalid port: {url!r}") from error
        return cls(
            host=parts.hostname,
            port=port or (8883 if tls else 1883),
            username=env.optional_text("MQTT_USERNAME") or _unquoted(parts.username),
            password=env.optional_text("MQTT_PASSWORD") or _unquoted(parts.password),
            tls=tls,
            keepalive=env.integer("MQTT_KEEPALIVE", 30, minimum=5),
            ca_file=env.optional_text("MQTT_CA_FILE"),
            cert_file=env.optional_text("MQTT_CERT_FILE"),
            key_file=env.optional_text("MQTT_KEY_FILE"),
            receive_maximum=min(env.integer("MQTT_RECEIVE_MAXIMUM", 1000, minimum=1), 65_535),
        )

    def tls_context(self) -> ssl.SSLContext:
        """Verify the broker (MQTT_CA_FILE, else the system's CAs); present MQTT_CERT_FILE if given."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file)
        return context

    @property
    def url(self) -> str:
        """The broker address without credentials, for logs."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"
