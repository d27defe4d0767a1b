"""Settings of the gateway, read once from the environment."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import StrEnum

from csms_common.config import ConfigError, Environment, MqttSettings, read_log_level
from csms_gateway.tls import ServerCertificate


class UnregisteredRejection(StrEnum):
    """How an unregistered station is refused."""

    HTTP_404 = "http-404"
    """At the handshake, before any WebSocket exists (default)."""
    CLOSE_1008 = "close-1008"
    """Accept, then close with 1008 Policy Violation (the seed's behaviour)."""


@dataclass(frozen=True)
class GatewaySettings:
    """Everything the gateway can be told; see the README's configuration table."""

    mqtt: MqttSettings
    host: str
    port: int
    instance_id: str
    metrics_host: str
    metrics_port: int
    log_level: str
    unregistered_rejection: UnregisteredRejection
    registration_timeout: float
    registration_cache_seconds: float
    call_timeout: float
    max_queued_calls: int
    max_frame_bytes: int
    ping_interval: float
    max_connections: int
    handshake_timeout: float
    idle_timeout: float
    station_rate: float
    station_burst: int
    tls_port: int
    reuse_port: bool
    tls_cert: str | None
    tls_key: str | None
    tls_client_ca: str | None
    drain_seconds: float
    """On SIGTERM: the period over which stations are closed (spread out, each once idle)."""
    station_byte_rate: float = 131_072.0
    """Bytes per second a station id may send (across its connections); 0 = no byte budget."""
    station_byte_burst: int = 8 * 1024 * 1024
    """At least the largest frame; by default eight of them."""
    handshake_station_rate: float = 1.0
    """Handshake attempts per second per station id (0 = off), with ``handshake_station_burst``."""
    handshake_station_burst: int = 20
    handshake_address_rate: float = 200.0
    """Handshake attempts per second per source address (0 = off), with ``handshake_address_burst``."""
    handshake_address_burst: int = 2000
    max_pending_handshakes: int = 1024
    """TCP connections accepted and not yet upgraded, per process; beyond: 503 and closed."""
    max_pending_per_address: int = 128
    auth_negative_seconds: float = 30.0
    """How long credentials the registry refused are refused again without asking."""
    auth_station_failure_rate: float = 0.1
    """Refused credentials per second per station id before unknown ones are refused unasked."""
    auth_station_failure_burst: int = 5
    auth_address_failure_rate: float = 0.5
    auth_address_failure_burst: int = 20
    max_auth_in_flight: int = 64
    """Registry checks waiting for the shadow service at once; a handshake waits for a slot up to the
    registration timeout, then gets 503."""
    max_auth_waiting: int = 256
    """Handshakes queued for a registry check slot; one more gets 503 with Retry-After at once."""
    min_security_profile: int = 0
    """Stations registered below this profile are refused with 401."""
    refused_address_rate: float = 0.5
    """Refused handshakes (400/401/404/429) per second per source address (0 = off), with
    ``refused_address_burst``; beyond, the address is answered 429 at accept time."""
    refused_address_burst: int = 10
    refusal_hold: float = 1.0
    """Seconds a refused handshake (400/401/404/429) waits for its answer (at most half the handshake
    timeout), at accept time or after its request."""
    tls_ec_cert: str | None = None
    """A second server certificate (ECDSA beside an RSA one) on the same wss:// listener."""
    tls_ec_key: str | None = None
    tls_crl: str | None = None
    """PEM CRL(s) of the client CA: revoked station certificates fail the TLS handshake."""
    tls_crl_from_ca: bool = False
    """Follow the CRL the built-in CA publishes on ``csms/ca/crl`` (client certificates are refused
    until the first one arrives)."""

    def server_certificates(self) -> list[ServerCertificate]:
        """The wss:// listener's certificates: the main one, and the ECDSA one if configured."""
        pairs = [(self.tls_cert, self.tls_key), (self.tls_ec_cert, self.tls_ec_key)]
        return [ServerCertificate(cert, key) for cert, key in pairs if cert and key]

    @classmethod
    def from_environment(cls, env: Environment) -> GatewaySettings:
        settings = cls._read(env)
        if settings.tls_port and not (settings.tls_cert and settings.tls_key):
            raise ConfigError("GATEWAY_TLS_PORT needs GATEWAY_TLS_CERT and GATEWAY_TLS_KEY")
        if bool(settings.tls_ec_cert) != bool(settings.tls_ec_key):
            raise ConfigError("GATEWAY_TLS_EC_CERT and GATEWAY_TLS_EC_KEY go together")
        if (settings.tls_crl or settings.tls_crl_from_ca) and not settings.tls_client_ca:
            raise ConfigError("GATEWAY_TLS_CRL and GATEWAY_TLS_CRL_FROM_CA need GATEWAY_TLS_CLIENT_CA")
        if settings.min_security_profile > 3:
            raise ConfigError("GATEWAY_MIN_SECURITY_PROFILE must be 0, 1, 2 or 3")
        return settings

    @classmethod
    def _read(cls, env: Environment) -> GatewaySettings:
        max_frame_bytes = env.integer(
            "GATEWAY_MAX_FRAME_BYTES",
            1024 * 1024,
            minimum=1024,
            about="largest frame; larger closes with 1009",
        )
        return cls(
            mqtt=MqttSettings.from_environment(env),
            host=env.text("GATEWAY_HOST", "0.0.0.0", about="WebSocket listener address"),
            port=env.integer("GATEWAY_PORT", 9000, minimum=0, about="WebSocket listener port"),
            instance_id=env.text(
                "GATEWAY_INSTANCE_ID",
                f"{socket.gethostname()}-{os.getpid()}",
                about="name in presence events",
                shown="<hostname>-<pid>",
            ),
            metrics_host=env.text(
                "GATEWAY_METRICS_HOST", "0.0.0.0", about="/metrics, /healthz, /readyz address"
            ),
            metrics_port=env.integer(
                "GATEWAY_METRICS_PORT", 9101, minimum=0, about="/metrics, /healthz, /readyz port"
            ),
            log_level=read_log_level(env),
            unregistered_rejection=UnregisteredRejection(
                env.choice(
                    "GATEWAY_UNREGISTERED_REJECTION",
                    UnregisteredRejection.HTTP_404.value,
                    tuple(mode.value for mode in UnregisteredRejection),
                    about="how an unregistered station is refused: at the handshake, or after it",
                )
            ),
            registration_timeout=env.number(
                "GATEWAY_REGISTRATION_TIMEOUT",
                3.0,
                minimum=0.1,
                about="seconds to wait for the registry at a handshake",
            ),
            registration_cache_seconds=env.number(
                "GATEWAY_REGISTRATION_CACHE",
                5.0,
                minimum=0,
                about="seconds a positive registry answer is reused",
            ),
            call_timeout=env.number(
                "GATEWAY_CALL_TIMEOUT",
                30.0,
                minimum=0.1,
                about="seconds a CSMS call waits for the station's answer, and a station call for the CSMS's",
            ),
            max_queued_calls=env.integer(
                "GATEWAY_MAX_QUEUED_CALLS",
                16,
                minimum=0,
                about="CSMS calls queued per station behind the outstanding one",
            ),
            max_frame_bytes=max_frame_bytes,
            ping_interval=env.number(
                "GATEWAY_PING_INTERVAL", 20.0, minimum=1, about="seconds between WebSocket pings"
            ),
            max_connections=env.integer(
                "GATEWAY_MAX_CONNECTIONS",
                65_536,
                minimum=1,
                about="connections per process, then 503 (clamped below the file descriptor limit, logged)",
            ),
            handshake_timeout=env.number(
                "GATEWAY_HANDSHAKE_TIMEOUT",
                10.0,
                minimum=0.1,
                about="seconds to complete the WebSocket handshake",
            ),
            # Two missed heartbeats (OCPP_HEARTBEAT_INTERVAL, 300 s by default) plus a minute.
            idle_timeout=env.number(
                "GATEWAY_IDLE_TIMEOUT",
                2
                * env.integer(
                    "OCPP_HEARTBEAT_INTERVAL",
                    300,
                    minimum=1,
                    about="the heartbeat interval stations are given (s)",
                )
                + 60,
                minimum=1,
                about="seconds without a frame before closing",
                shown="2 x OCPP_HEARTBEAT_INTERVAL + 60",
            ),
            station_rate=env.number(
                "GATEWAY_STATION_RATE",
                20.0,
                minimum=0.01,
                about="frames per second a station id may send; beyond, they wait",
            ),
            station_burst=env.integer(
                "GATEWAY_STATION_BURST", 100, minimum=1, about="burst of GATEWAY_STATION_RATE"
            ),
            tls_port=env.integer("GATEWAY_TLS_PORT", 0, minimum=0, about="wss:// listener port (0 = off)"),
            reuse_port=env.boolean(
                "GATEWAY_REUSE_PORT", False, about="let several processes share the port (SO_REUSEPORT)"
            ),
            tls_cert=env.optional_text("GATEWAY_TLS_CERT", about="wss:// server certificate"),
            tls_key=env.optional_text("GATEWAY_TLS_KEY", about="wss:// server certificate's key"),
            tls_client_ca=env.optional_text(
                "GATEWAY_TLS_CLIENT_CA", about="CA of station client certificates (security profile 3)"
            ),
            drain_seconds=env.number(
                "GATEWAY_DRAIN_SECONDS",
                30.0,
                minimum=0,
                about="on SIGTERM, stations are closed with 1001 spread over this period (0: all at once)",
            ),
            station_byte_rate=env.number(
                "GATEWAY_STATION_BYTE_RATE",
                131_072.0,
                minimum=0,
                about="bytes per second a station id may send (0 = off)",
            ),
            station_byte_burst=max(
                env.integer(
                    "GATEWAY_STATION_BYTE_BURST",
                    8 * max_frame_bytes,
                    minimum=1024,
                    about="burst of GATEWAY_STATION_BYTE_RATE, at least the largest frame",
                    shown="8 x GATEWAY_MAX_FRAME_BYTES",
                ),
                max_frame_bytes,
            ),
            handshake_station_rate=env.number(
                "GATEWAY_HANDSHAKE_STATION_RATE",
                1.0,
                minimum=0,
                about="handshakes per second per station id, then 429",
            ),
            handshake_station_burst=env.integer(
                "GATEWAY_HANDSHAKE_STATION_BURST",
                20,
                minimum=1,
                about="burst of GATEWAY_HANDSHAKE_STATION_RATE",
            ),
            handshake_address_rate=env.number(
                "GATEWAY_HANDSHAKE_ADDRESS_RATE",
                200.0,
                minimum=0,
                about="handshakes per second per address, then 429",
            ),
            handshake_address_burst=env.integer(
                "GATEWAY_HANDSHAKE_ADDRESS_BURST",
                2000,
                minimum=1,
                about="burst of GATEWAY_HANDSHAKE_ADDRESS_RATE",
            ),
            max_pending_handshakes=env.integer(
                "GATEWAY_MAX_PENDING_HANDSHAKES",
                1024,
                minimum=1,
                about="connections not yet upgraded per process, then 503",
            ),
            max_pending_per_address=env.integer(
                "GATEWAY_MAX_PENDING_PER_ADDRESS",
                128,
                minimum=1,
                about="connections not yet upgraded per address, then 503",
            ),
            auth_negative_seconds=env.number(
                "GATEWAY_AUTH_NEGATIVE_SECONDS",
                30.0,
                minimum=0,
                about="refused credentials are refused again unasked this long",
            ),
            auth_station_failure_rate=env.number(
                "GATEWAY_AUTH_STATION_FAILURE_RATE",
                0.1,
                minimum=0,
                about="refused logins per second per station id before unknown credentials get 401 unasked",
            ),
            auth_station_failure_burst=env.integer(
                "GATEWAY_AUTH_STATION_FAILURE_BURST",
                5,
                minimum=1,
                about="burst of GATEWAY_AUTH_STATION_FAILURE_RATE",
            ),
            auth_address_failure_rate=env.number(
                "GATEWAY_AUTH_ADDRESS_FAILURE_RATE", 0.5, minimum=0, about="the same per source address"
            ),
            auth_address_failure_burst=env.integer(
                "GATEWAY_AUTH_ADDRESS_FAILURE_BURST",
                20,
                minimum=1,
                about="burst of GATEWAY_AUTH_ADDRESS_FAILURE_RATE",
            ),
            max_auth_in_flight=env.integer(
                "GATEWAY_MAX_AUTH_IN_FLIGHT",
                64,
                minimum=1,
                about="registry checks at once; a handshake waits up to the registration timeout, then 503",
            ),
            max_auth_waiting=env.integer(
                "GATEWAY_MAX_AUTH_WAITING",
                256,
                minimum=0,
                about="handshakes queued for a registry check slot; beyond, 503 with Retry-After at once",
            ),
            min_security_profile=env.integer(
                "GATEWAY_MIN_SECURITY_PROFILE",
                0,
                minimum=0,
                about="stations registered below this profile get 401",
            ),
            refused_address_rate=env.number(
                "GATEWAY_REFUSED_ADDRESS_RATE",
                0.5,
                minimum=0,
                about="refused handshakes per second per address; beyond, 429 at accept time (0 = off)",
            ),
            refused_address_burst=env.integer(
                "GATEWAY_REFUSED_ADDRESS_BURST", 10, minimum=1, about="burst of GATEWAY_REFUSED_ADDRESS_RATE"
            ),
            refusal_hold=env.number(
                "GATEWAY_REFUSAL_HOLD",
                1.0,
                minimum=0,
                about="seconds a refused handshake waits for its answer",
            ),
            tls_ec_cert=env.optional_text(
                "GATEWAY_TLS_EC_CERT", about="a second (ECDSA) wss:// server certificate beside the RSA one"
            ),
            tls_ec_key=env.optional_text("GATEWAY_TLS_EC_KEY", about="the ECDSA certificate's key"),
            tls_crl=env.optional_text(
                "GATEWAY_TLS_CRL",
                about="PEM CRL of the client CA: revoked station certificates fail the handshake",
            ),
            tls_crl_from_ca=env.boolean(
                "GATEWAY_TLS_CRL_FROM_CA",
                False,
                about="follow the CRL the built-in CA publishes (client certs refused until it arrives)",
            ),
        )
