"""Certificate-authority settings of the shadow service (part of ``ShadowSettings``)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from csms_common.config import ConfigError, Environment


class CaMode(StrEnum):
    OFF = "off"
    """No CA: SignCertificate is Rejected (NotSupported)."""
    BUILTIN = "builtin"
    """CA_CERT and CA_KEY are files this service signs with."""
    COMMAND = "command"
    """CA_SIGN_COMMAND signs: CSR on its standard input, PEM certificate(s) on its standard output."""


@dataclass(frozen=True)
class CaSettings:
    mode: CaMode = CaMode.OFF
    cert: str | None = None
    key: str | None = None
    sign_command: tuple[str, ...] = ()
    sign_timeout: float = 10.0
    organization: str | None = None
    """The O a station's CSR must name (None: not checked)."""
    validity_days: int = 365
    csr_limit: int = 5
    """Signing requests a station may make per ``csr_window`` seconds; beyond: Rejected, counted."""
    csr_window: int = 3600
    certificates_per_station: int = 16
    """Issued certificates kept per station; the oldest record goes first (a revoked one stays revoked)."""
    send_delay: float = 0.5
    """Seconds between accepting a CSR and sending CertificateSigned: the station gets its
    SignCertificate answer first (A02.FR.05 order)."""
    max_signing: int = 32
    """Signings in progress at once, across stations; beyond: Rejected (busy)."""
    renew_before: float = 30 * 24 * 3600.0
    """Seconds before an issued certificate expires that its station is asked to renew it (TriggerMessage
    SignChargingStationCertificate; 1.6: ExtendedTriggerMessage SignChargePointCertificate)."""
    renew_check: float = 600.0
    """Seconds between looks for certificates due for renewal."""
    crl_refresh: float = 3600.0
    """Seconds between republications of the CRL (it is valid for 7 days; revocations go out at once)."""
    ocsp_url: str | None = None
    """The OCSP responder URL written into issued certificates (built-in CA)."""
    ocsp_responders: tuple[str, ...] = ()
    """URL prefixes GetCertificateStatus may ask (default: CA_OCSP_URL); others are Failed."""
    ocsp_timeout: float = 2.0
    """Seconds one OCSP exchange may take (below the handler's lookup timeout, 3 s by default)."""
    ocsp_max_in_flight: int = 16
    contract_service_url: str | None = None
    """Where Get15118EVCertificate requests are forwarded (None: Failed, NotSupported)."""
    contract_service_timeout: float = 2.0
    ocsp_validity: int = 3600
    """Seconds the built-in responder's answers are valid (their nextUpdate)."""

    @classmethod
    def from_environment(cls, env: Environment) -> CaSettings:
        mode = CaMode(
            env.choice(
                "CA_MODE",
                CaMode.OFF.value,
                tuple(mode.value for mode in CaMode),
                about="off, builtin (CA_CERT, CA_KEY files) or command (CA_SIGN_COMMAND)",
            )
        )
        settings = cls(
            mode=mode,
            cert=env.optional_text("CA_CERT", about="the built-in CA's certificate (PEM file)"),
            key=env.optional_text("CA_KEY", about="the built-in CA's key (PEM file)"),
            sign_command=tuple(
                shlex.split(
                    env.text(
                        "CA_SIGN_COMMAND",
                        "",
                        about="external signer: CSR on stdin, PEM certificate on stdout",
                    )
                )
            ),
            sign_timeout=env.number(
                "CA_SIGN_TIMEOUT", 10.0, minimum=0.1, about="seconds the external signer may take"
            ),
            organization=env.optional_text(
                "CA_ORGANIZATION", about="the O a station's CSR must name (empty: not checked)"
            ),
            validity_days=env.integer(
                "CA_VALIDITY_DAYS", 365, minimum=1, about="lifetime of issued station certificates (days)"
            ),
            csr_limit=env.integer(
                "CA_CSR_LIMIT", 5, minimum=1, about="CSRs per station per CA_CSR_WINDOW; beyond: Rejected"
            ),
            csr_window=env.integer(
                "CA_CSR_WINDOW", 3600, minimum=1, about="seconds of the CSR budget's window"
            ),
            certificates_per_station=env.integer(
                "CA_CERTIFICATES_PER_STATION",
                16,
                minimum=1,
                about="issued-certificate records kept per station",
            ),
            send_delay=env.number(
                "CA_SEND_DELAY",
                0.5,
                minimum=0,
                about="seconds between SignCertificate's answer and CertificateSigned",
            ),
            max_signing=env.integer("CA_MAX_SIGNING", 32, minimum=1, about="signings at once"),
            ocsp_url=env.optional_text(
                "CA_OCSP_URL", about="OCSP responder URL written into issued certificates"
            ),
            ocsp_responders=tuple(
                url.strip()
                for url in env.text(
                    "CA_OCSP_RESPONDERS",
                    env.text("CA_OCSP_URL", "", about="OCSP responder URL written into issued certificates"),
                    about="comma-separated URL prefixes GetCertificateStatus may ask",
                ).split(",")
                if url.strip()
            ),
            ocsp_timeout=env.number(
                "CA_OCSP_TIMEOUT", 2.0, minimum=0.1, about="seconds one OCSP exchange may take"
            ),
            ocsp_max_in_flight=env.integer(
                "CA_OCSP_MAX_IN_FLIGHT", 16, minimum=1, about="OCSP exchanges at once"
            ),
            ocsp_validity=env.integer(
                "CA_OCSP_VALIDITY",
                3600,
                minimum=60,
                about="seconds the built-in responder's answers are valid",
            ),
            contract_service_url=env.optional_text(
                "CA_CONTRACT_SERVICE_URL", about="where Get15118EVCertificate is forwarded (none: Failed)"
            ),
            contract_service_timeout=env.number(
                "CA_CONTRACT_SERVICE_TIMEOUT",
                2.0,
                minimum=0.1,
                about="seconds the contract-certificate service may take",
            ),
            crl_refresh=env.number(
                "CA_CRL_REFRESH", 3600.0, minimum=1, about="seconds between CRL republications on csms/ca/crl"
            ),
            renew_before=env.number(
                "CA_RENEW_BEFORE",
                30 * 24 * 3600.0,
                minimum=0,
                about="ask a station to renew this many seconds before its certificate expires",
            ),
            renew_check=env.number(
                "CA_RENEW_CHECK", 600.0, minimum=0.1, about="seconds between renewal checks"
            ),
        )
        if mode is CaMode.BUILTIN and not (settings.cert and settings.key):
            raise ConfigError("CA_MODE=builtin needs CA_CERT and CA_KEY")
        if mode is CaMode.COMMAND and not settings.sign_command:
            raise ConfigError("CA_MODE=command needs CA_SIGN_COMMAND")
        return settings
