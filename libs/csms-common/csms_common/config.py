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


@dataclass(frozen=True)
class SettingDoc:
    """One environment variable as ``--help`` shows it: name, default and what it is for."""

    name: str
    default: str
    about: str


def _shown(default: object) -> str:
    if default is None or default == "":
        return "none"
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


class Environment:
    """Typed accessors over an environment mapping (``os.environ`` by default).

    Every accessor takes a one-line ``about``; the environment remembers each variable read with its
    default and ``about`` (:attr:`read`), which is how ``--help`` is generated from the settings
    themselves. ``shown`` replaces the default in ``--help`` where it is computed (a host name).
    """

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(os.environ if values is None else values)
        self._read: dict[str, SettingDoc] = {}

    @property
    def read(self) -> tuple[SettingDoc, ...]:
        """The variables read so far, in the order they were first read."""
        return tuple(self._read.values())

    def _note(self, name: str, default: object, about: str, shown: str | None) -> None:
        if name not in self._read:
            self._read[name] = SettingDoc(name, shown if shown is not None else _shown(default), about)

    def text(self, name: str, default: str, *, about: str, shown: str | None = None) -> str:
        self._note(name, default, about, shown)
        return self._values.get(name, default)

    def optional_text(self, name: str, *, about: str, shown: str | None = None) -> str | None:
        self._note(name, None, about, shown)
        value = self._values.get(name)
        return value if value else None

    def integer(
        self, name: str, default: int, minimum: int | None = None, *, about: str, shown: str | None = None
    ) -> int:
        self._note(name, default, about, shown)
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

    def number(
        self,
        name: str,
        default: float,
        minimum: float | None = None,
        *,
        about: str,
        shown: str | None = None,
    ) -> float:
        self._note(name, default, about, shown)
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

    def boolean(self, name: str, default: bool, *, about: str) -> bool:
        self._note(name, default, about, None)
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, allowed: tuple[str, ...], *, about: str) -> str:
        self._note(name, default, f"{about} ({' or '.join(allowed)})", None)
        value = self._values.get(name, default)
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
        url = env.text(
            "MQTT_URL", DEFAULT_MQTT_URL, about="the broker, mqtt://[user:pass@]host:port or mqtts://"
        )
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
            username=env.optional_text("MQTT_USERNAME", about="broker user name (else the URL's)")
            or _unquoted(parts.username),
            password=env.optional_text("MQTT_PASSWORD", about="broker password (else the URL's)")
            or _unquoted(parts.password),
            tls=tls,
            keepalive=env.integer(
                "MQTT_KEEPALIVE", 30, minimum=5, about="seconds between MQTT keep-alive pings"
            ),
            ca_file=env.optional_text(
                "MQTT_CA_FILE", about="mqtts: CA file to verify the broker", shown="the system's CAs"
            ),
            cert_file=env.optional_text("MQTT_CERT_FILE", about="mqtts: client certificate to present"),
            key_file=env.optional_text("MQTT_KEY_FILE", about="mqtts: the client certificate's key"),
            receive_maximum=min(
                env.integer(
                    "MQTT_RECEIVE_MAXIMUM",
                    1000,
                    minimum=1,
                    about="QoS 1 messages the broker may send before they are acknowledged (max 65535)",
                ),
                65_535,
            ),
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


def read_log_level(env: Environment) -> str:
    """``LOG_LEVEL``, read the same way by every service."""
    return env.text("LOG_LEVEL", "info", about="debug, info, warning or error")
