"""Authorize: answer with the id-token store's status of the presented idTag (unknown → Invalid)."""

from __future__ import annotations

from csms_common.ocpp.types.v16 import AuthorizeRequest, AuthorizeResponse
from csms_handler.context import CallContext, LookupRequest, Reply


def authorize_needs(request: AuthorizeRequest) -> LookupRequest:
    return LookupRequest(tokens=(request["idTag"],))


def authorize(request: AuthorizeRequest, context: CallContext) -> Reply[AuthorizeResponse]:
    return Reply({"idTagInfo": context.lookups.token(request["idTag"]).as_id_tag_info()})
