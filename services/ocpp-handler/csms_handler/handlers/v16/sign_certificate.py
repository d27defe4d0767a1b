"""SignCertificate (1.6 security extension): rejected, since no certificate authority is configured."""

from __future__ import annotations

from ocpp.v16.enums import GenericStatus

from csms_handler.context import CallContext, Payload, Reply


def sign_certificate(request: Payload, context: CallContext) -> Reply:
    return Reply({"status": GenericStatus.rejected.value})
