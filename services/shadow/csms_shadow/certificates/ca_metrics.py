"""Prometheus metrics of the certificate authority (shadow service)."""

from __future__ import annotations

from prometheus_client import Counter

CSR_REQUESTS = Counter(
    "csms_shadow_csr_total",
    "SignCertificate requests by outcome: accepted, malformed, bad_signature, wrong_common_name, "
    "wrong_organization, weak_key, unsupported_key, rate_limited, busy, no_ca, unsupported_type",
    ["outcome"],
)
CERTIFICATES_ISSUED = Counter("csms_shadow_certificates_issued_total", "Station certificates signed")
SIGNING_FAILURES = Counter(
    "csms_shadow_certificate_signing_failures_total",
    "Accepted CSRs the CA did not sign (external signer failed or timed out)",
)
CERTIFICATES_REVOKED = Counter("csms_shadow_certificates_revoked_total", "Station certificates revoked")
CRL_PUBLISHED = Counter("csms_shadow_crl_published_total", "Revocation lists published on csms/ca/crl")
OCSP_CHECKS = Counter(
    "csms_shadow_ocsp_checks_total",
    "GetCertificateStatus OCSP look-ups by outcome: answered, cached, invalid_request, "
    "responder_not_allowed, busy, responder_unavailable (down, slow, HTTP error), invalid_response, "
    "responder_refused",
    ["outcome"],
)
OCSP_ANSWERS = Counter("csms_shadow_ocsp_answers_total", "OCSP requests the built-in CA answered")
RENEWALS_REQUESTED = Counter(
    "csms_shadow_certificate_renewals_requested_total",
    "Stations asked to renew a certificate about to expire (TriggerMessage / ExtendedTriggerMessage)",
)
EV_CERTIFICATE_REQUESTS = Counter(
    "csms_shadow_ev_certificate_requests_total",
    "Get15118EVCertificate forwards by outcome: accepted, failed (by the service), no_service, unavailable "
    "(down, slow, HTTP error), invalid_answer",
    ["outcome"],
)
