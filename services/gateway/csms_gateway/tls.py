"""The stations' TLS listener: versions, cipher suites, server certificates and counted refusals.

OCPP 2.0.1 Part 2 (A00.FR.3xx): TLS 1.2 or newer only, and for TLS 1.2 the four cipher suites the
CSMS must support (two ECDSA, two RSA). The ECDHE-RSA variants are offered too (same AES-GCM, with
forward secrecy), ahead of the static-RSA ones. TLS 1.3 keeps OpenSSL's suites (all AEAD).

One listener serves an RSA and an ECDSA certificate at once: OpenSSL keeps one certificate per key
type and picks by what the client offers (its signature algorithms and cipher suites).

A handshake that fails (a client certificate expired, revoked or from another CA, an old TLS
version, no shared cipher) never reaches the WebSocket code, so it is counted here, where the TLS
object does the handshake: ``SSLContext.sslobject_class`` is the documented hook for that.
"""

from __future__ import annotations

import logging
import ssl
import tempfile
from dataclasses import dataclass

from csms_gateway.metrics import TLS_REFUSALS

logger = logging.getLogger(__name__)

TLS12_CIPHERS = ":".join(
    (
        # A00.FR.318: the CSMS SHALL support these four.
        "ECDHE-ECDSA-AES128-GCM-SHA256",  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        "ECDHE-ECDSA-AES256-GCM-SHA384",  # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        # Same ciphers with an ephemeral key exchange, preferred over static RSA when offered.
        "ECDHE-RSA-AES128-GCM-SHA256",  # TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        "ECDHE-RSA-AES256-GCM-SHA384",  # TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        "AES128-GCM-SHA256",  # TLS_RSA_WITH_AES_128_GCM_SHA256
        "AES256-GCM-SHA384",  # TLS_RSA_WITH_AES_256_GCM_SHA384
    )
)
"""OpenSSL names of the TLS 1.2 suites, in the server's order of preference (RFC names beside)."""

# OpenSSL's X509_V_ERR_* codes that name why a client certificate was refused.
_VERIFY_REASONS = {
    9: "not_yet_valid",  # X509_V_ERR_CERT_NOT_YET_VALID
    10: "expired",  # X509_V_ERR_CERT_HAS_EXPIRED
    23: "revoked",  # X509_V_ERR_CERT_REVOKED
    2: "unknown_ca",  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
    18: "unknown_ca",  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    19: "unknown_ca",  # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
    20: "unknown_ca",  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: "unknown_ca",  # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
    3: "no_crl",  # X509_V_ERR_UNABLE_TO_GET_CRL
}
_PROTOCOL_REASONS = {
    "UNSUPPORTED_PROTOCOL": "protocol_version",
    "WRONG_VERSION_NUMBER": "protocol_version",
    "TLSV1_ALERT_PROTOCOL_VERSION": "protocol_version",
    "NO_SHARED_CIPHER": "no_shared_cipher",
    "NO_CIPHERS_AVAILABLE": "no_shared_cipher",
    "HTTP_REQUEST": "not_tls",
}
REFUSAL_REASONS = (
    *sorted(set(_VERIFY_REASONS.values())),
    "certificate_invalid",
    *sorted(set(_PROTOCOL_REASONS.values())),
    "other",
)
"""Every value of the ``reason`` label of ``csms_gateway_tls_refusals_total`` (bounded)."""


def refusal_reason(error: ssl.SSLError) -> str:
    """The bounded label for why a TLS handshake failed."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return _VERIFY_REASONS.get(int(error.verify_code or 0), "certificate_invalid")
    return _PROTOCOL_REASONS.get(str(error.reason or ""), "other")


class CountedSSLObject(ssl.SSLObject):
    """An SSLObject whose failed handshakes are counted and logged (the event loop drops them)."""

    def do_handshake(self) -> None:
        try:
            super().do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            raise
        except ssl.SSLError as error:
            reason = refusal_reason(error)
            TLS_REFUSALS.labels(reason=reason).inc()
            logger.info(
                "TLS handshake refused",
                extra={
                    "reason": reason,
                    "detail": getattr(error, "verify_message", None) or error.reason,
                },
            )
            raise


@dataclass(frozen=True)
class ServerCertificate:
    """A certificate chain and its key, PEM files."""

    cert: str
    key: str


def server_tls_context(
    certificates: list[ServerCertificate],
    client_ca: str | None,
    crl: str | None = None,
    check_crl: bool = False,
) -> ssl.SSLContext:
    """TLS for ``wss://`` (profiles 2 and 3).

    With a client CA, certificates are asked for but optional, so profile 2 stations (password, no
    certificate) can use the same port; a certificate that is sent must verify, or the handshake fails.
    With a CRL file (PEM), or ``check_crl``, a client certificate must be on no CRL of its CA, and
    there must be one: without it the handshake fails (``no_crl``) rather than trusting blindly.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_COMPRESSION
    for certificate in certificates:
        context.load_cert_chain(certificate.cert, certificate.key)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
        if crl:
            context.load_verify_locations(crl)
        if crl or check_crl:
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    context.sslobject_class = CountedSSLObject
    return context


MAX_CRL_BYTES = 8 * 1024 * 1024
"""A CRL larger than this is refused (the CA's lists are far smaller: ~40 bytes per revocation)."""


class InvalidCrl(ValueError):
    """A CRL message that is too large or that OpenSSL cannot load."""


class StationTls:
    """The listener's TLS context, whose revocation list can be replaced while it serves.

    The listener keeps the context it was created with; each handshake is moved to the newest one
    (``sni_callback`` may set ``SSLObject.context``; it runs for every ClientHello, with or
    without a server name), and certificate checks use that context's store with its CRL. The
    verify flags stay the listener's, so CRL checking is on from the start when CRLs are expected.
    """

    def __init__(
        self, certificates: list[ServerCertificate], client_ca: str | None, crl: str | None, check_crl: bool
    ) -> None:
        self._certificates = certificates
        self._client_ca = client_ca
        self._check_crl = check_crl
        self.context = server_tls_context(certificates, client_ca, crl, check_crl)
        self._current = self.context
        self.context.sni_callback = self._select

    def _select(self, ssl_object: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext) -> None:
        if self._current is not context:
            ssl_object.context = self._current

    def use_crl(self, pem: bytes) -> None:
        """Serve with ``pem`` (one or more PEM CRLs) from the next handshake on."""
        if len(pem) > MAX_CRL_BYTES or b"-----BEGIN X509 CRL-----" not in pem:
            raise InvalidCrl("not a PEM CRL of at most 8 MiB")
        with tempfile.NamedTemporaryFile(suffix=".pem") as file:
            file.write(pem)
            file.flush()
            try:
                fresh = server_tls_context(self._certificates, self._client_ca, file.name, self._check_crl)
            except ssl.SSLError as error:
                raise InvalidCrl(f"OpenSSL cannot load the CRL: {error}") from error
        self._current = fresh
