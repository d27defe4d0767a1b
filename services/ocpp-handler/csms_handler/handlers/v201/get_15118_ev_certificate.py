"""Get15118EVCertificate: forwarded (by the shadow service) to the contract-certificate service
(CA_CONTRACT_SERVICE_URL); without one, or when it fails, Failed with the reason.

``exiResponse`` is required even on failure (2.0.1 and 2.1); it is then empty.
"""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import Iso15118EVCertificateStatusEnumType

from csms_handler.context import CallContext, LookupRequest, Payload, Reply, payload_of


def get_15118_ev_certificate_needs(request: Payload) -> LookupRequest:
    return LookupRequest(
        ev_certificate={
            "iso15118SchemaVersion": request.get("iso15118SchemaVersion"),
            "action": request.get("action"),
            "exiRequest": request.get("exiRequest"),
        }
    )


def get_15118_ev_certificate(request: Payload, context: CallContext) -> Reply:
    answer = context.lookups.ev_certificate or {}
    exi = answer.get("exiResponse")
    if answer.get("status") in ("Accepted", "Failed") and isinstance(exi, str) and "reasonCode" not in answer:
        status = Iso15118EVCertificateStatusEnumType(answer["status"])
        return Reply(payload_of(call_result.Get15118EVCertificate(status=status, exi_response=exi)))
    reply = call_result.Get15118EVCertificate(
        status=Iso15118EVCertificateStatusEnumType.failed,
        exi_response="",
        status_info=datatypes.StatusInfoType(
            reason_code=str(answer.get("reasonCode") or "NotSupported")[:20],
            additional_info=str(answer.get("additionalInfo") or "")[:512] or None,
        ),
    )
    return Reply(payload_of(reply))
