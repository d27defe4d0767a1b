"""SignCertificate (1.6 security extension): rejected, since no certificate authority is configured."""

from __future__ import annotations

from csms_common.ocpp.types.v16 import SignCertificateRequest, SignCertificateResponse
from csms_handler.context import CallContext, Reply


def sign_certificate(request: SignCertificateRequest, context: CallContext) -> Reply[SignCertificateResponse]:
    return Reply({"status": "Rejected"})
