"""SignCertificate (1.6 security extension): the certificate authority (in the shadow service) checks
the CSR and answers; when Accepted it sends CertificateSigned itself, after this answer."""

from __future__ import annotations

from ocpp.v16.enums import GenericStatus

from csms_handler.context import CallContext, LookupRequest, Payload, Reply


def sign_certificate_needs(request: Payload) -> LookupRequest:
    return LookupRequest(sign_certificate={"csr": request.get("csr")})


def sign_certificate(request: Payload, context: CallContext) -> Reply:
    answer = context.lookups.sign_certificate or {}
    accepted = answer.get("status") == "Accepted"
    return Reply({"status": (GenericStatus.accepted if accepted else GenericStatus.rejected).value})
