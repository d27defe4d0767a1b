"""Get15118EVCertificate: no contract certificate pool is connected, so the request Failed.

``exiResponse`` is required even on failure (2.0.1 and 2.1); it is left empty.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import Get15118EVCertificateRequest, Get15118EVCertificateResponse
from csms_handler.context import CallContext, Reply


def get_15118_ev_certificate(
    request: Get15118EVCertificateRequest, context: CallContext
) -> Reply[Get15118EVCertificateResponse]:
    return Reply({"status": "Failed", "exiResponse": "", "statusInfo": {"reasonCode": "NotSupported"}})
