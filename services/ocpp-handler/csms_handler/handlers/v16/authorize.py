"""Authorize: answer with the id-token store's status of the presented idTag (unknown → Invalid)."""

from __future__ import annotations

from csms_handler.context import CallContext, LookupRequest, Payload, Reply


def authorize_needs(request: Payload) -> LookupRequest:
    return LookupRequest(tokens=(request["idTag"],))


def authorize(request: Payload, context: CallContext) -> Reply:
    return Reply({"idTagInfo": context.lookups.token(request["idTag"]).as_id_tag_info()})
