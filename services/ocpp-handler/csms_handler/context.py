"""What a handler gets besides the request, and what it returns: a reply plus effects.

A handler is a pure function ``(request payload, CallContext) -> Reply``. What it
needs from storage (a token's status, the station's registration status, a new
transaction id) it declares up front in its route's ``needs``; the service shell
fetches those answers in one request to the shadow service and hands them over
in ``CallContext.lookups``. The effects it returns are performed by the shell,
before the reply is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

from csms_common.clock import iso_z
from csms_common.ocpp.types.v16 import AuthorizeResponseIdTagInfo as IdTagInfo
from csms_common.ocpp.types.v201 import IdTokenInfoType
from csms_common.ocpp.versions import OcppVersion
from csms_handler.budgets import StationLimits

Payload = dict[str, Any]

ACCEPTED = "Accepted"
INVALID = "Invalid"
NO_AUTHORIZATION = "NoAuthorization"
"""The OCPP 2.x idToken type that means "no token": always Accepted, never looked up."""


PARENT_ID_TAG_LENGTH = 20
"""OCPP 1.6 parentIdTag is an IdToken of at most 20 characters; a longer group is not told to 1.6 stations."""
GROUP_TOKEN_TYPE = "Central"
"""A group is an identifier the CSMS made up (OCPP 2.x IdTokenEnumType Central), not a card."""
NOT_AT_THIS_LOCATION = "NotAtThisLocation"


@dataclass(frozen=True)
class TokenStatus:
    """What the id-token store says about one token (unknown tokens are Invalid)."""

    status: str
    expiry_date: str | None = None
    group_id_token: str | None = None
    """The token's group (2.x groupIdToken, 1.6 parentIdTag): the station lets the tokens of one
    group stop each other's transactions."""
    evse_ids: tuple[int, ...] = ()
    """The EVSEs the token is limited to (2.x IdTokenInfo.evseId); empty means every EVSE."""

    def at_evse(self, evse_id: int | None, refused: str) -> TokenStatus:
        """The status for a transaction at ``evse_id``: an Accepted token limited to other EVSEs is
        ``refused`` there (2.x NotAtThisLocation, 1.6 Invalid); an unknown EVSE changes nothing."""
        if self.status != ACCEPTED or not self.evse_ids or evse_id is None or evse_id in self.evse_ids:
            return self
        return replace(self, status=refused)

    def as_id_tag_info(self) -> IdTagInfo:
        """OCPP 1.6 ``idTagInfo`` (the same type in Authorize, StartTransaction and StopTransaction)."""
        info: Payload = {"status": self.status}
        if self.expiry_date is not None:
            info["expiryDate"] = self.expiry_date
        if self.group_id_token is not None and len(self.group_id_token) <= PARENT_ID_TAG_LENGTH:
            info["parentIdTag"] = self.group_id_token
        # The store's status is a plain string; the reply schema check refuses one 1.6 lacks.
        return cast(IdTagInfo, info)

    def as_id_token_info(self) -> IdTokenInfoType:
        """OCPP 2.x ``idTokenInfo``."""
        info: Payload = {"status": self.status}
        if self.expiry_date is not None:
            info["cacheExpiryDateTime"] = self.expiry_date
        if self.group_id_token is not None:
            info["groupIdToken"] = {"idToken": self.group_id_token, "type": GROUP_TOKEN_TYPE}
        if self.evse_ids:
            info["evseId"] = list(self.evse_ids)
        # The store's status is a plain string; the reply schema check refuses one 2.x lacks.
        return cast(IdTokenInfoType, info)

    @classmethod
    def from_lookup(cls, info: Payload) -> TokenStatus:
        """The shadow service's answer for one token: status, expiryDate, groupIdToken, evseIds."""
        group = info.get("groupIdToken")
        evse_ids = info.get("evseIds")
        return cls(
            str(info["status"]),
            info.get("expiryDate"),
            group if isinstance(group, str) else None,
            tuple(item for item in evse_ids if isinstance(item, int)) if isinstance(evse_ids, list) else (),
        )


UNKNOWN_TOKEN = TokenStatus(INVALID)


@dataclass(frozen=True)
class LookupRequest:
    """What a handler needs fetched before it runs."""

    registration: bool = False
    """The station's registration status in the registry (Accepted, Pending, Rejected)."""
    tokens: tuple[str, ...] = ()
    """Token values (1.6 idTag, 2.x idToken.idToken) whose status the reply depends on."""
    allocate_transaction_id: bool = False
    """A new integer transaction id (1.6 StartTransaction), the same one again for a retransmission."""
    pending_transaction: Payload | None = None
    """A transaction event about to be recorded (2.x Ended), whose session's final cost the reply
    needs (``totalCost``, OCPP 2.0.1 I02): the shadow service prices it without storing it."""

    price_for: str | None = None
    """The prices a driver starting a transaction pays (2.x ``updatedPersonalMessage``), for the
    token given ('' for none): the station's tariff, else the token group's, else the default."""
    sign_certificate: Payload | None = None
    """A SignCertificate request (``csr``, ``certificateType``) for the certificate authority, which
    checks it, counts it against the station's CSR budget and says Accepted or Rejected."""
    certificate_status: Payload | None = None
    """GetCertificateStatus's ``ocspRequestData``: the shadow service asks the OCSP responder."""
    ev_certificate: Payload | None = None
    """Get15118EVCertificate's request: forwarded to the contract-certificate service."""
    contract_certificates: tuple[Payload, ...] = ()
    """Authorize's ``iso15118CertificateHashData`` (2.x, C07): each certificate of the EV's contract
    chain, checked by the shadow service against the OCSP responder it names."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.registration
            or self.tokens
            or self.allocate_transaction_id
            or self.pending_transaction
            or self.price_for is not None
            or self.sign_certificate is not None
            or self.certificate_status is not None
            or self.ev_certificate is not None
            or bool(self.contract_certificates)
        )


NO_LOOKUP = LookupRequest()


@dataclass(frozen=True)
class Lookups:
    """The answers to a LookupRequest."""

    registration_status: str | None = None
    tokens: Mapping[str, TokenStatus] = field(default_factory=lambda: MappingProxyType({}))
    transaction_id: int | None = None
    cost: Payload | None = None
    sign_certificate: Payload | None = None
    """The CA's answer to ``sign_certificate``: ``status``, ``reasonCode``, ``additionalInfo``."""
    certificate_status: Payload | None = None
    """The answer to ``certificate_status``: ``status`` (Accepted, Failed), ``ocspResult`` or a reason."""
    ev_certificate: Payload | None = None
    """The contract-certificate service's answer: ``status``, ``exiResponse``, or a reason."""
    contract_certificate_status: str | None = None
    """The verdict on ``contract_certificates``: an AuthorizeCertificateStatusEnumType value."""
    price_text: str | None = None
    """One line of prices for ``price_for``; None without a tariff."""
    """The priced session of ``pending_transaction`` (``totalCost``, ``currency``, ``lines``); None
    when no tariff applies."""

    def token(self, value: str) -> TokenStatus:
        """The status of a token that was asked for; Invalid when the store does not know it."""
        return self.tokens.get(value, UNKNOWN_TOKEN)


@dataclass(frozen=True)
class CallContext:
    """The station, version, time and fetched lookups of one call; tests build it with a fixed clock."""

    station_id: str
    version: OcppVersion
    message_id: str
    now: datetime
    heartbeat_interval: int
    lookups: Lookups = field(default_factory=Lookups)
    limits: StationLimits = field(default_factory=StationLimits)

    @property
    def now_iso(self) -> str:
        return iso_z(self.now)


@dataclass(frozen=True)
class ShadowUpdate:
    """Merge ``reported`` into the station's shadow (``None`` values delete keys)."""

    reported: Payload


@dataclass(frozen=True)
class TransactionRecord:
    """Create or update the station's record of one transaction (``GET .../transactions``).

    ``fields`` merge into the record. With ``ended`` the shadow service also
    removes the transaction from ``activeTransaction`` and ``evses.{id}.activeTransaction``
    wherever it is still shown there, so a handler that does not know the EVSE
    (OCPP 1.6 StopTransaction) need not.

    ``event`` (2.x) is appended to the record's ``events`` log: seqNo, eventType,
    triggerReason, timestamp and the number of meter values. The seqNo is the
    event's identity (OCPP 2.0.1 uses it to spot missing messages): an event whose
    seqNo the log already holds was applied before, by a redelivery or a station's
    retry on another connection, and the shadow service changes nothing for it, so
    a late copy of an old event can neither duplicate an entry nor undo a newer state.
    """

    transaction_id: str
    fields: Payload
    ended: bool = False
    event: Payload | None = None
    update_only: bool = False
    """Only fold ``fields`` into a record that exists: a 1.6 MeterValues names a transaction id the
    station chose, so it must not create a record for one that was never started."""
    meter_values: tuple[Mapping[str, Any], ...] = ()
    """The call's meter values (2.x ``meterValue``, 1.6 ``meterValue``/``transactionData``), verbatim:
    the shadow service keeps them with the session to compute its energy and cost."""
    offline: bool = False
    """2.x ``offline``: the station queued this event while it had no connection."""


def replacing(*paths: tuple[str, ...]) -> ShadowUpdate:
    """An update that deletes the objects at ``paths``, sent before one that writes them anew.

    Shadows merge objects key by key, so writing a new transaction over an old one
    would keep the old one's optional fields (a stale ``stoppedReason``, say).
    """
    reported: Payload = {}
    for path in paths:
        node = reported
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = None
    return ShadowUpdate(reported)


Effect = ShadowUpdate | TransactionRecord


def no_lookup(request: object) -> LookupRequest:
    return NO_LOOKUP


Request = TypeVar("Request")
"""An action's request type: a generated TypedDict (csms_common.ocpp.types.v16/v201)."""
Response = TypeVar("Response")
"""An action's response type: a generated TypedDict, the reply a handler returns."""


@dataclass(frozen=True)
class Reply(Generic[Response]):
    """A handler's result: the CallResult payload and the effects the shell performs first.

    ``Reply[HeartbeatResponse]`` is a plain dataclass at run time: the type parameter is for mypy only.
    """

    payload: Response
    effects: list[Effect] = field(default_factory=list)
    over_budget: tuple[str, ...] = ()
    """Budget reasons (csms_handler.budgets.BudgetReason) for parts of the call not kept."""


@dataclass(frozen=True)
class Route(Generic[Request, Response]):
    """One entry of a version's routing table: the handler and what it needs fetched.

    ``Route[HeartbeatRequest, HeartbeatResponse]``: the typed routing tables
    (``handlers/v16``, ``handlers/v201``) declare one such type per action, so mypy
    refuses a handler that takes or returns another action's message.
    """

    handler: Callable[[Request, CallContext], Reply[Response]]
    needs: Callable[[Request], LookupRequest] = no_lookup


AnyRoute = Route[Any, Any]
"""A route as the processor sees it: payloads are plain dicts once the schema has checked them."""
