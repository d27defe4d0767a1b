"""SignCertificate (A02/A03): the certificate authority (in the shadow service) checks the CSR and
answers; when Accepted it sends CertificateSigned itself, after this answer."""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import GenericStatusEnumType

from csms_handler.context import CallContext, LookupRequest, Payload, Reply, payload_of


def sign_certificate_needs(request: Payload) -> LookupRequest:
    return LookupRequest(
        sign_certificate={"csr": request.get("csr"), "certificateType": request.get("certificateType")}
    )


def sign_certificate(request: Payload, context: CallContext) -> Reply:
    answer = context.lookups.sign_certificate or {}
    if answer.get("status") == "Accepted":
        return Reply(payload_of(call_result.SignCertificate(status=GenericStatusEnumType.accepted)))
    reply = call_result.SignCertificate(
        status=GenericStatusEnumType.rejected,
        status_info=datatypes.StatusInfoType(
            reason_code=str(answer.get("reasonCode") or "NotSupported")[:20],
            additional_info=str(answer.get("additionalInfo") or "no certificate authority configured")[:512],
        ),
    )
    return Reply(payload_of(reply))
