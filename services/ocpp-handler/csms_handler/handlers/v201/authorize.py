"""Authorize: answer with the id-token store's status for the presented token.

A ``NoAuthorization`` token stands for "no token at all": it is always Accepted
and never looked up. Any other token is looked up first (see ``authorize_needs``);
one the store does not know is Invalid.

With ``iso15118CertificateHashData`` (ISO 15118 Plug & Charge, C07) every certificate of the EV's
contract chain is checked by OCSP (the shadow service asks the responder each names, bounded and
cached as for GetCertificateStatus), and the answer carries ``certificateStatus``. A chain that is
not Accepted (revoked, unknown to its responder, or not checkable) makes the token Invalid: the
CSMS does not authorize on a certificate it could not validate.
"""

from __future__ import annotations

from csms_common.ocpp.types.v201 import (
    AuthorizeCertificateStatusEnumType,
    AuthorizeRequest,
    AuthorizeResponse,
    IdTokenInfoType,
)
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
    chain = tuple(dict(data) for data in request.get("iso15118CertificateHashData", ()))
    return LookupRequest(tokens=(token,) if token is not None else (), contract_certificates=chain)


def _certificate_status(verdict: str | None) -> AuthorizeCertificateStatusEnumType:
    """The shadow service's verdict, or CertChainError when it gave none (nothing could be checked)."""
    if verdict == "Accepted":
        return "Accepted"
    if verdict == "CertificateRevoked":
        return "CertificateRevoked"
    if verdict == "NoCertificateAvailable":
        return "NoCertificateAvailable"
    return "CertChainError"


def authorize(request: AuthorizeRequest, context: CallContext) -> Reply[AuthorizeResponse]:
    token = _token_to_check(request)
    info: IdTokenInfoType = (
        context.lookups.token(token).as_id_token_info() if token is not None else {"status": "Accepted"}
    )
    if "iso15118CertificateHashData" not in request:
        return Reply({"idTokenInfo": info})
    status = _certificate_status(context.lookups.contract_certificate_status)
    if status != "Accepted":
        info = {**info, "status": "Invalid"}
    return Reply({"idTokenInfo": info, "certificateStatus": status})
