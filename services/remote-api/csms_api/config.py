"""Settings of the remote-api, read once from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csms_api.tokens import InvalidTokenConfig, TokenRegistry, load_tokens
from csms_common.config import ConfigError, Environment, MqttSettings, read_log_level
from csms_common.webhooks.settings import read_allowed_networks
from csms_common.webhooks.ssrf import IpNetwork


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
    id_token_import_max: int = 1000
    id_token_import_max_bytes: int = 1024 * 1024
    """Largest ``PUT /id-tokens`` body (other routes: ``max_body_bytes``); 413 beyond."""
    """Id tokens one ``PUT /id-tokens`` may carry (at most 10,000, the shadow's own cap); 400 beyond."""
    station_wss_url: str | None = None
    """The wss:// URL stations reach the CSMS at (without the station id), for the 2.x network
    profile a security-profile upgrade sends (SetNetworkProfile ocppCsmsUrl)."""

    @classmethod
    def from_environment(cls, env: Environment) -> ApiSettings:
        auth = env.choice(
            "OCPP_API_AUTH", "token", ("token", "none"), about="none runs without authentication"
        )
        tokens = _load_tokens(env) if auth == "token" else None
        cors = env.text("API_CORS_ORIGINS", "", about="comma-separated origins allowed by CORS")
        settings = cls(
            mqtt=MqttSettings.from_environment(env),
            host=env.text("API_HOST", "0.0.0.0", about="HTTP listener address"),
            port=env.integer("API_PORT", 8080, minimum=0, about="HTTP listener port"),
            workers=env.integer("API_WORKERS", 1, minimum=1, about="gunicorn worker processes (gevent)"),
            max_connections=env.integer(
                "API_MAX_CONNECTIONS",
                1000,
                minimum=1,
                about="open HTTP connections per worker; more wait to be accepted",
            ),
            header_timeout=env.integer(
                "API_HEADER_TIMEOUT",
                10,
                minimum=1,
                about="seconds to send a request's line and headers, or start the next",
            ),
            body_timeout=env.number(
                "API_BODY_TIMEOUT",
                10.0,
                minimum=0.1,
                about="seconds to send a request's body once its headers are in, else 408",
            ),
            waits_per_token=env.integer(
                "API_WAITS_PER_TOKEN",
                8,
                minimum=1,
                about="?wait commands one token may hold open per worker, else 429",
            ),
            metrics_dir=env.optional_text(
                "PROMETHEUS_MULTIPROC_DIR",
                about="where workers' metrics add up, emptied at start",
                shown="a fresh directory when API_WORKERS > 1",
            ),
            tokens=tokens,
            request_timeout=env.number(
                "API_REQUEST_TIMEOUT",
                5.0,
                minimum=0.1,
                about="seconds to wait for the broker or the shadow service",
            ),
            log_level=read_log_level(env),
            id_token_import_max=_id_token_import_max(env),
            id_token_import_max_bytes=env.integer(
                "API_ID_TOKEN_IMPORT_MAX_BYTES",
                1024 * 1024,
                minimum=1024,
                about="largest PUT /id-tokens body, else 413",
            ),
            max_body_bytes=env.integer(
                "API_MAX_BODY_BYTES", 64 * 1024, minimum=1024, about="largest request body"
            ),
            cors_origins=tuple(origin.strip() for origin in cors.split(",") if origin.strip()),
            command_rate=env.number(
                "API_COMMAND_RATE", 10.0, minimum=0.01, about="commands per second per station"
            ),
            command_burst=env.integer("API_COMMAND_BURST", 100, minimum=1, about="burst of API_COMMAND_RATE"),
            connect_grace=env.number(
                "API_CONNECT_GRACE",
                1.0,
                minimum=0,
                about="seconds a command waits for a station that is just connecting",
            ),
            sse_max_streams=env.integer(
                "API_SSE_MAX_STREAMS", 4, minimum=0, about="event streams one worker serves at once, then 503"
            ),
            sse_max_seconds=env.number(
                "API_SSE_MAX_SECONDS",
                300.0,
                minimum=1.0,
                about="an event stream ends after this long (clients resume)",
            ),
            sse_poll_seconds=env.number(
                "API_SSE_POLL_SECONDS",
                0.5,
                minimum=0.05,
                about="how often an open stream asks for new events",
            ),
            webhook_allowed_networks=read_allowed_networks(env),
            audit=env.boolean(
                "API_AUDIT", True, about="publish an audit record of every state-changing request"
            ),
            station_wss_url=env.optional_text(
                "API_STATION_WSS_URL",
                about="wss:// URL stations reach the CSMS at, sent by a security-profile upgrade",
            ),
        )
        # Refused only once everything is read, so that --help lists every variable.
        if tokens is not None and tokens.empty:
            raise ConfigError(
                "OCPP_API_TOKEN is not set: set a bearer token (or OCPP_API_TOKENS_FILE), or "
                "OCPP_API_AUTH=none to run without authentication (never in production)"
            )
        return settings


def _load_tokens(env: Environment) -> TokenRegistry:
    path = env.optional_text("OCPP_API_TOKENS_FILE", about="name:scope:sha256 lines of further tokens")
    lines: list[str] = []
    if path is not None:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as error:
            raise ConfigError(f"OCPP_API_TOKENS_FILE cannot be read: {error}") from error
    try:
        return load_tokens(
            env.optional_text(
                "OCPP_API_TOKEN",
                about="bearer token every request must carry",
                shown="none: refuses to start",
            ),
            lines,
        )
    except InvalidTokenConfig as error:
        raise ConfigError(str(error)) from error


ID_TOKEN_IMPORT_CEILING = 10_000
"""The shadow service refuses larger imports whatever this service allows."""


def _id_token_import_max(env: Environment) -> int:
    value = env.integer(
        "API_ID_TOKEN_IMPORT_MAX", 1000, minimum=1, about="id tokens one PUT /id-tokens may carry, else 400"
    )
    if value > ID_TOKEN_IMPORT_CEILING:
        raise ConfigError(f"API_ID_TOKEN_IMPORT_MAX must be at most {ID_TOKEN_IMPORT_CEILING}, got {value}")
    return value
