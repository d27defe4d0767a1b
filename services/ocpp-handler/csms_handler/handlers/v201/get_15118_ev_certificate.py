"""Get15118EVCertificate: forwarded (by the shadow service) to the contract-certificate service
(CA_CONTRACT_SERVICE_URL); without one, or when it fails, Failed with the reason.

``exiResponse`` is required even on failure (2.0.1 and 2.1); it is then empty.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import (
    Get15118EVCertificateRequest,
    Get15118EVCertificateResponse,
    StatusInfoType,
)
from csms_handler.context import CallContext, LookupRequest, Reply


def get_15118_ev_certificate_needs(request: Get15118EVCertificateRequest) -> LookupRequest:
    return LookupRequest(
        ev_certificate={
            "iso15118SchemaVersion": request["iso15118SchemaVersion"],
            "action": request["action"],
            "exiRequest": request["exiRequest"],
        }
    )


def get_15118_ev_certificate(
    request: Get15118EVCertificateRequest, context: CallContext
) -> Reply[Get15118EVCertificateResponse]:
    answer = context.lookups.ev_certificate or {}
    exi = answer.get("exiResponse")
    if isinstance(exi, str) and "reasonCode" not in answer:
        if answer.get("status") == "Accepted":
            return Reply({"status": "Accepted", "exiResponse": exi})
        if answer.get("status") == "Failed":
            return Reply({"status": "Failed", "exiResponse": exi})
    info: StatusInfoType = {"reasonCode": str(answer.get("reasonCode") or "NotSupported")[:20]}
    additional = str(answer.get("additionalInfo") or "")[:512]
    if additional:
        info["additionalInfo"] = additional
    return Reply({"status": "Failed", "exiResponse": "", "statusInfo": info})
