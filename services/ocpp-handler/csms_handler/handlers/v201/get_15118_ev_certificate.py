"""Get15118EVCertificate: no contract certificate pool is connected, so the request Failed.

``exiResponse`` is required even on failure (2.0.1 and 2.1); it is left empty.
"""

from __future__ import annotations

from ocpp.v201 import call_result, datatypes
from ocpp.v201.enums import Iso15118EVCertificateStatusEnumType

from csms_handler.context import CallContext, Payload, Reply, payload_of


def get_15118_ev_certificate(request: Payload, context: CallContext) -> Reply:
    reply = call_result.Get15118EVCertificate(
        status=Iso15118EVCertificateStatusEnumType.failed,
        exi_response="",
        status_info=datatypes.StatusInfoType(reason_code="NotSupported"),
    )
    return Reply(payload_of(reply))
