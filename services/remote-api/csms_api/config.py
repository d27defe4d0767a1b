"""Settings of the remote-api, read once from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csms_api.tokens import InvalidTokenConfig, TokenRegistry, load_tokens
from csms_common.config import ConfigError, Environment, MqttSettings
from csms_common.webhooks.ssrf import IpNetwork, parse_networks


@dataclass(frozen=True)
class ApiSettings:
    """Everything the remote-api can be told; see the README's configuration table."""

    mqtt: MqttSettings
    host: str
    port: int
    workers: int
    max_connections: int
    """Open HTTP connections per worker (gevent greenlets); more wait in the listen backlog."""
    header_timeout: int
    """Whole seconds (gunicorn's keepalive is an integer) a client has to send a request's line and
    headers, and to start the next request on a kept-alive connection."""
    body_timeout: float
    """Seconds a client has to send a request's body once its headers are in."""
    waits_per_token: int
    """``?wait`` requests one token may hold open at once (per worker); 429 beyond."""
    metrics_dir: str | None
    """prometheus_client's multiprocess directory (PROMETHEUS_MULTIPROC_DIR)."""
    tokens: TokenRegistry | None
    """None only when authentication was switched off explicitly with ``OCPP_API_AUTH=none``."""
    request_timeout: float
    log_level: str
    max_body_bytes: int
    cors_origins: tuple[str, ...]
    command_rate: float
    command_burst: int
    connect_grace: float
    sse_max_streams: int = 4
    """Event streams one worker process serves at once; more get 503 (each holds a thread)."""
    sse_max_seconds: float = 300.0
    """An event stream ends after this long; the client resumes with Last-Event-ID."""
    sse_poll_seconds: float = 0.5
    """How often an open stream asks the shadow service for new events."""
    webhook_allowed_networks: tuple[IpNetwork, ...] = ()
    """Networks webhooks may point at although they are not public (the SSRF guard's allow-list)."""
    audit: bool = True
    """Publish an audit record of every state-changing request."""
    station_wss_url: str | None = None
    """The wss:// URL stations reach the CSMS at (without the station id), for the 2.x network
    profile a security-profile upgrade sends (SetNetworkProfile ocppCsmsUrl)."""

    @classmethod
    def from_environment(cls, env: Environment) -> ApiSettings:
        auth = env.choice("OCPP_API_AUTH", "token", ("token", "none"))
        tokens: TokenRegistry | None = None
        if auth == "token":
            tokens = _load_tokens(env)
            if tokens.empty:
                raise ConfigError(
                    "OCPP_API_TOKEN is not set: set a bearer token (or OCPP_API_TOKENS_FILE), or "
                    "OCPP_API_AUTH=none to run without authentication (never in production)"
                )
        origins = tuple(o.strip() for o in env.text("API_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            mqtt=MqttSettings.from_environment(env),
            host=env.text("API_HOST", "0.0.0.0"),
            port=env.integer("API_PORT", 8080, minimum=0),
            workers=env.integer("API_WORKERS", 1, minimum=1),
            max_connections=env.integer("API_MAX_CONNECTIONS", 1000, minimum=1),
            header_timeout=env.integer("API_HEADER_TIMEOUT", 10, minimum=1),
            body_timeout=env.number("API_BODY_TIMEOUT", 10.0, minimum=0.1),
            waits_per_token=env.integer("API_WAITS_PER_TOKEN", 8, minimum=1),
            metrics_dir=env.optional_text("PROMETHEUS_MULTIPROC_DIR"),
            tokens=tokens,
            request_timeout=env.number("API_REQUEST_TIMEOUT", 5.0, minimum=0.1),
            log_level=env.text("LOG_LEVEL", "info"),
            max_body_bytes=env.integer("API_MAX_BODY_BYTES", 64 * 1024, minimum=1024),
            cors_origins=origins,
            command_rate=env.number("API_COMMAND_RATE", 10.0, minimum=0.01),
            command_burst=env.integer("API_COMMAND_BURST", 100, minimum=1),
            connect_grace=env.number("API_CONNECT_GRACE", 1.0, minimum=0),
            sse_max_streams=env.integer("API_SSE_MAX_STREAMS", 4, minimum=0),
            sse_max_seconds=env.number("API_SSE_MAX_SECONDS", 300.0, minimum=1.0),
            sse_poll_seconds=env.number("API_SSE_POLL_SECONDS", 0.5, minimum=0.05),
            webhook_allowed_networks=_networks(env),
            audit=env.boolean("API_AUDIT", True),
            station_wss_url=env.optional_text("API_STATION_WSS_URL"),
        )


def _networks(env: Environment) -> tuple[IpNetwork, ...]:
    try:
        return parse_networks(env.text("WEBHOOK_ALLOWED_NETWORKS", ""))
    except ValueError as error:
        raise ConfigError(f"WEBHOOK_ALLOWED_NETWORKS: {error}") from error


def _load_tokens(env: Environment) -> TokenRegistry:
    path = env.optional_text("OCPP_API_TOKENS_FILE")
    lines: list[str] = []
    if path is not None:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as error:
            raise ConfigError(f"OCPP_API_TOKENS_FILE cannot be read: {error}") from error
    try:
        return load_tokens(env.optional_text("OCPP_API_TOKEN"), lines)
    except InvalidTokenConfig as error:
        raise ConfigError(str(error)) from error
