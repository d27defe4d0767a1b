"""GetCertificateStatus: no OCSP responder is reachable from here, so the request Failed."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import GetCertificateStatusRequest, GetCertificateStatusResponse
from csms_handler.context import CallContext, Reply


def get_certificate_status(
    request: GetCertificateStatusRequest, context: CallContext
) -> Reply[GetCertificateStatusResponse]:
    return Reply({"status": "Failed", "statusInfo": {"reasonCode": "NotSupported"}})
