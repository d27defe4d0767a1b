"""NotifyCustomerInformation: acknowledge one part of a CustomerInformation answer, not kept."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply


def notify_customer_information(request: Payload, context: CallContext) -> Reply:
    return Reply({})
