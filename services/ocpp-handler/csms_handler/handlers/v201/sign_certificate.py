"""SignCertificate: this CSMS has no certificate authority, so the signing request is Rejected."""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import GenericStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, payload_of


def sign_certificate(request: Payload, context: CallContext) -> Reply:
    reply = call_result.SignCertificate(
        status=GenericStatusEnumType.rejected,
        status_info=datatypes.StatusInfoType(
            reason_code="NotSupported", additional_info="no certificate authority configured"
        ),
    )
    return Reply(payload_of(reply))
