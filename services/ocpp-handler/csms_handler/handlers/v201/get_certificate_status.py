"""GetCertificateStatus (M06): the shadow service sends a real OCSP request to the responder the
station names (bounded wait, answers cached until their nextUpdate); its DER answer goes back in
base64, or Failed with the reason (responder down, slow, not allowed, request invalid)."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import (
    GetCertificateStatusRequest,
    GetCertificateStatusResponse,
    StatusInfoType,
)
from csms_handler.context import CallContext, LookupRequest, Reply

MAX_OCSP_RESULT = 5500
"""GetCertificateStatusResponse.ocspResult: string[0..5500]."""


def get_certificate_status_needs(request: GetCertificateStatusRequest) -> LookupRequest:
    return LookupRequest(certificate_status=dict(request["ocspRequestData"]))


def get_certificate_status(
    request: GetCertificateStatusRequest, context: CallContext
) -> Reply[GetCertificateStatusResponse]:
    answer = context.lookups.certificate_status or {}
    result = answer.get("ocspResult")
    if answer.get("status") == "Accepted" and isinstance(result, str) and len(result) <= MAX_OCSP_RESULT:
        return Reply({"status": "Accepted", "ocspResult": result})
    too_large = isinstance(result, str) and len(result) > MAX_OCSP_RESULT
    info: StatusInfoType = {
        "reasonCode": ("TooLarge" if too_large else str(answer.get("reasonCode") or "NotSupported"))[:20]
    }
    additional = str(answer.get("additionalInfo") or "")[:512]
    if additional:
        info["additionalInfo"] = additional
    return Reply({"status": "Failed", "statusInfo": info})
