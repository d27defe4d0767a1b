"""SignCertificate (1.6 security extension): the certificate authority (in the shadow service) checks
the CSR and answers; when Accepted it sends CertificateSigned itself, after this answer."""

from __future__ import annotations

from csms_common.ocpp.types.v16 import SignCertificateRequest, SignCertificateResponse
from csms_handler.context import CallContext, LookupRequest, Reply


def sign_certificate_needs(request: SignCertificateRequest) -> LookupRequest:
    return LookupRequest(sign_certificate={"csr": request["csr"]})


def sign_certificate(request: SignCertificateRequest, context: CallContext) -> Reply[SignCertificateResponse]:
    answer = context.lookups.sign_certificate or {}
    return Reply({"status": "Accepted" if answer.get("status") == "Accepted" else "Rejected"})
