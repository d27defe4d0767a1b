"""NotifyCustomerInformation: acknowledge one part of a CustomerInformation answer, not kept."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyCustomerInformationRequest, NotifyCustomerInformationResponse
from csms_handler.context import CallContext, Reply


def notify_customer_information(
    request: NotifyCustomerInformationRequest, context: CallContext
) -> Reply[NotifyCustomerInformationResponse]:
    return Reply({})
