"""SignCertificate (A02/A03): the certificate authority (in the shadow service) checks the CSR and
answers; when Accepted it sends CertificateSigned itself, after this answer."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import SignCertificateRequest, SignCertificateResponse
from csms_handler.context import CallContext, LookupRequest, Reply


def sign_certificate_needs(request: SignCertificateRequest) -> LookupRequest:
    return LookupRequest(
        sign_certificate={"csr": request["csr"], "certificateType": request.get("certificateType")}
    )


def sign_certificate(request: SignCertificateRequest, context: CallContext) -> Reply[SignCertificateResponse]:
    answer = context.lookups.sign_certificate or {}
    if answer.get("status") == "Accepted":
        return Reply({"status": "Accepted"})
    reply: SignCertificateResponse = {
        "status": "Rejected",
        "statusInfo": {
            "reasonCode": str(answer.get("reasonCode") or "NotSupported")[:20],
            "additionalInfo": str(answer.get("additionalInfo") or "no certificate authority configured")[
                :512
            ],
        },
    }
    return Reply(reply)
