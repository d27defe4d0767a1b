"""NotifyDisplayMessages: acknowledge one part of a GetDisplayMessages answer; its content is not kept."""

from __future__ import annotations

from csms_common.ocpp.types.v201 import NotifyDisplayMessagesRequest, NotifyDisplayMessagesResponse
from csms_handler.context import CallContext, Reply


def notify_display_messages(
    request: NotifyDisplayMessagesRequest, context: CallContext
) -> Reply[NotifyDisplayMessagesResponse]:
    return Reply({})
