"""Authorize: answer with the id-token store's status for the presented token.

A ``NoAuthorization`` token stands for "no token at all": it is always Accepted
and never looked up. Any other token is looked up first (see ``authorize_needs``);
one the store does not know is Invalid.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import AuthorizeRequest, AuthorizeResponse, IdTokenInfoType
from csms_handler.context import (
    NO_AUTHORIZATION,
    CallContext,
    LookupRequest,
    Reply,
)


def _token_to_check(request: AuthorizeRequest) -> str | None:
    id_token = request["idToken"]
    if id_token["type"] == NO_AUTHORIZATION:
        return None
    return str(id_token["idToken"])


def authorize_needs(request: AuthorizeRequest) -> LookupRequest:
    token = _token_to_check(request)
    return LookupRequest(tokens=(token,)) if token is not None else LookupRequest()


def authorize(request: AuthorizeRequest, context: CallContext) -> Reply[AuthorizeResponse]:
    token = _token_to_check(request)
    info: IdTokenInfoType = (
        context.lookups.token(token).as_id_token_info() if token is not None else {"status": "Accepted"}
    )
    return Reply({"idTokenInfo": info})
