"""NotifyDisplayMessages: acknowledge one part of a GetDisplayMessages answer; its content is not kept."""

from __future__ import annotations

from csms_handler.context import CallContext, Payload, Reply


def notify_display_messages(request: Payload, context: CallContext) -> Reply:
    return Reply({})
