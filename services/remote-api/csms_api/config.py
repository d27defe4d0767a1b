"""Settings of the remote-api, read once from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from csms_common.config import ConfigError, Environment, MqttSettings


@dataclass(frozen=True)
class ApiSettings:
    """Everything the remote-api can be told; see the README's configuration table."""

    mqtt: MqttSettings
    host: str
    port: int
    workers: int
    threads: int
    api_token: str | None
    """None only when authentication was switched off explicitly with ``OCPP_API_AUTH=none``."""
    request_timeout: float
    log_level: str
    max_body_bytes: int

    @classmethod
    def from_environment(cls, env: Environment) -> ApiSettings:
        auth = env.choice("OCPP_API_AUTH", "token", ("token", "none"))
        token = env.optional_text("OCPP_API_TOKEN")
        if auth == "token" and token is None:
            raise ConfigError(
                "OCPP_API_TOKEN is not set: set a bearer token, or OCPP_API_AUTH=none to run "
                "without authentication (never in production)"
            )
        return cls(
            mqtt=MqttSettings.from_environment(env),
            host=env.text("API_HOST", "0.0.0.0"),
            port=env.integer("API_PORT", 8080, minimum=0),
            workers=env.integer("API_WORKERS", 1, minimum=1),
            threads=env.integer("API_THREADS", 16, minimum=1),
            api_token=token if auth == "token" else None,
            request_timeout=env.number("API_REQUEST_TIMEOUT", 5.0, minimum=0.1),
            log_level=env.text("LOG_LEVEL", "info"),
            max_body_bytes=env.integer("API_MAX_BODY_BYTES", 64 * 1024, minimum=1024),
        )
