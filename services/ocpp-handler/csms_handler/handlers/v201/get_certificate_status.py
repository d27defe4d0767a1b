"""GetCertificateStatus: no OCSP responder is reachable from here, so the request Failed."""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import GetCertificateStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, payload_of


def get_certificate_status(request: Payload, context: CallContext) -> Reply:
    reply = call_result.GetCertificateStatus(
        status=GetCertificateStatusEnumType.failed,
        status_info=datatypes.StatusInfoType(reason_code="NotSupported"),
    )
    return Reply(payload_of(reply))
