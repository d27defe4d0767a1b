"""GetCertificateStatus (M06): the shadow service sends a real OCSP request to the responder the
station names (bounded wait, answers cached until their nextUpdate); its DER answer goes back in
base64, or Failed with the reason (responder down, slow, not allowed, request invalid)."""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import GetCertificateStatusEnumType

from csms_handler.context import CallContext, LookupRequest, Payload, Reply, payload_of

MAX_OCSP_RESULT = 5500
"""GetCertificateStatusResponse.ocspResult: string[0..5500]."""


def get_certificate_status_needs(request: Payload) -> LookupRequest:
    return LookupRequest(certificate_status=dict(request.get("ocspRequestData") or {}))


def get_certificate_status(request: Payload, context: CallContext) -> Reply:
    answer = context.lookups.certificate_status or {}
    result = answer.get("ocspResult")
    if answer.get("status") == "Accepted" and isinstance(result, str) and len(result) <= MAX_OCSP_RESULT:
        reply = call_result.GetCertificateStatus(
            status=GetCertificateStatusEnumType.accepted, ocsp_result=result
        )
        return Reply(payload_of(reply))
    too_large = isinstance(result, str) and len(result) > MAX_OCSP_RESULT
    reply = call_result.GetCertificateStatus(
        status=GetCertificateStatusEnumType.failed,
        status_info=datatypes.StatusInfoType(
            reason_code=("TooLarge" if too_large else str(answer.get("reasonCode") or "NotSupported"))[:20],
            additional_info=str(answer.get("additionalInfo") or "")[:512] or None,
        ),
    )
    return Reply(payload_of(reply))
