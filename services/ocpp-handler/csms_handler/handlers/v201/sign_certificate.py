"""SignCertificate: this CSMS has no certificate authority, so the signing request is Rejected."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import SignCertificateRequest, SignCertificateResponse
from csms_handler.context import CallContext, Reply


def sign_certificate(request: SignCertificateRequest, context: CallContext) -> Reply[SignCertificateResponse]:
    reply: SignCertificateResponse = {
        "status": "Rejected",
        "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": "no certificate authority configured"},
    }
    return Reply(reply)
