"""The wss:// listener's TLS settings: what they allow, and the bounded reasons a refusal is counted under."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from csms_common.config import ConfigError, Environment
from csms_gateway.config import GatewaySettings
from csms_gateway.tls import (
    REFUSAL_REASONS,
    TLS12_CIPHERS,
    InvalidCrl,
    ServerCertificate,
    StationTls,
    refusal_reason,
    server_tls_context,
)
from scripts.pki import make_pki


def verify_error(code: int) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_code = code
    return error


def protocol_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, "handshake failure")
    error.reason = reason
    return error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (verify_error(10), "expired"),
        (verify_error(23), "revoked"),
        (verify_error(20), "unknown_ca"),
        (verify_error(9999), "certificate_invalid"),
        (protocol_error("UNSUPPORTED_PROTOCOL"), "protocol_version"),
        (protocol_error("NO_SHARED_CIPHER"), "no_shared_cipher"),
        (protocol_error("SOMETHING_NEW"), "other"),
    ],
)
def test_refusal_reasons_are_bounded(error: ssl.SSLError, reason: str) -> None:
    assert refusal_reason(error) == reason
    assert reason in REFUSAL_REASONS


def test_context_allows_tls_12_and_13_and_the_ocpp_suites_only(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    context = server_tls_context(
        [ServerCertificate(str(pki.server_cert), str(pki.server_key))], client_ca=str(pki.ca)
    )
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.maximum_version == ssl.TLSVersion.TLSv1_3
    tls12 = {cipher["name"] for cipher in context.get_ciphers() if cipher["protocol"] == "TLSv1.2"}
    assert tls12 == set(TLS12_CIPHERS.split(":"))
    assert context.verify_mode == ssl.CERT_OPTIONAL


def gateway_environment(**values: str) -> Environment:
    return Environment({"MQTT_URL": "mqtt://127.0.0.1:1883", **values})


def test_ecdsa_certificate_needs_its_key() -> None:
    env = gateway_environment(
        GATEWAY_TLS_PORT="9443",
        GATEWAY_TLS_CERT="a.pem",
        GATEWAY_TLS_KEY="a.key",
        GATEWAY_TLS_EC_CERT="b.pem",
    )
    with pytest.raises(ConfigError, match="GATEWAY_TLS_EC_CERT and GATEWAY_TLS_EC_KEY"):
        GatewaySettings.from_environment(env)


def test_crl_needs_a_client_ca() -> None:
    env = gateway_environment(
        GATEWAY_TLS_PORT="9443", GATEWAY_TLS_CERT="a.pem", GATEWAY_TLS_KEY="a.key", GATEWAY_TLS_CRL="crl.pem"
    )
    with pytest.raises(ConfigError, match="GATEWAY_TLS_CRL and GATEWAY_TLS_CRL_FROM_CA need"):
        GatewaySettings.from_environment(env)


def test_both_server_certificates_are_served() -> None:
    settings = GatewaySettings.from_environment(
        gateway_environment(
            GATEWAY_TLS_PORT="9443",
            GATEWAY_TLS_CERT="rsa.pem",
            GATEWAY_TLS_KEY="rsa.key",
            GATEWAY_TLS_EC_CERT="ec.pem",
            GATEWAY_TLS_EC_KEY="ec.key",
        )
    )
    assert settings.server_certificates() == [
        ServerCertificate("rsa.pem", "rsa.key"),
        ServerCertificate("ec.pem", "ec.key"),
    ]


def test_a_crl_that_is_not_one_is_refused(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    station_tls = StationTls(
        [ServerCertificate(str(pki.server_cert), str(pki.server_key))], str(pki.ca), None, check_crl=True
    )
    for payload in (
        b"garbage",
        b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
        b"x" * (9 << 20),
    ):
        with pytest.raises(InvalidCrl):
            station_tls.use_crl(payload)
    assert station_tls.context.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
