"""The API's JSON bodies as typed dictionaries, named and shaped as in its OpenAPI document.

TypedDicts rather than classes: a result is the API's JSON as it came (the reference's
``OCPPClient`` returns ``response.json()`` and callers index it), a type checker knows every key,
and a field the API adds later is kept instead of dropped. ``tests/unit/csms_sdk`` checks each
against ``/openapi.json``.
"""

from typing import Any, Literal, NotRequired, TypedDict

RegistrationStatus = Literal["Accepted", "Pending", "Rejected"]
IdTokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]
CommandState = Literal["sent", "answered", "error", "timeout", "rejected", "closed"]


class Connection(TypedDict, total=False):
    """Where a connected station is connected."""

    protocol: str
    gatewayInstance: str
    sessionId: str
    since: str


class Station(TypedDict):
    """A registered charge point and its live connection (``connection`` is None when offline)."""

    chargePointId: str
    registrationStatus: RegistrationStatus
    createdAt: str
    connected: bool
    connection: Connection | None
    securityProfile: NotRequired[int]
    hasPassword: NotRequired[bool]
    lastDisconnectedAt: NotRequired[str]
    labels: NotRequired[dict[str, str]]
    site: NotRequired[str | None]
    evses: NotRequired[dict[str, Any] | None]
    wiring: NotRequired[dict[str, Any] | None]
    """Smart charging: per EVSE its ``phaseRotation`` and ``phases``."""


class StationDeleted(TypedDict):
    chargePointId: str
    deleted: bool


class PasswordSet(TypedDict):
    chargePointId: str
    hasPassword: bool


class ShadowState(TypedDict):
    reported: dict[str, Any]
    desired: NotRequired[dict[str, Any]]
    delta: NotRequired[dict[str, Any]]


class Shadow(TypedDict):
    """The station's AWS-IoT-style shadow document: what it reported (chargingStation, evses, ...)."""

    state: ShadowState
    metadata: dict[str, Any]
    version: int
    timestamp: int


class Transaction(TypedDict):
    transactionId: str
    status: NotRequired[str]
    remoteStartMessageId: NotRequired[str]


class IdToken(TypedDict):
    idToken: str
    status: IdTokenStatus
    updatedAt: str
    expiryDate: NotRequired[str]
    groupIdToken: NotRequired[str]
    """The group the token belongs to (2.x groupIdToken, 1.6 parentIdTag); tariffs can be assigned to it."""
    evseIds: NotRequired[list[int]]
    """The EVSEs the token is limited to (2.x evseId); absent: every EVSE."""
    chargingPriority: NotRequired[int]
    """Smart charging: its transactions are admitted and filled before lower priorities (0-9, default 0)."""


class IdTokenImported(TypedDict):
    imported: int
    created: int
    replaced: int


class IdTokenDeleted(TypedDict):
    idToken: str
    deleted: bool


class RemoteTransactionResult(TypedDict):
    """The answer of remote start and stop, as in the reference; with ``wait`` also the station's."""

    message: str
    messageId: str
    chargePointId: str
    remoteStartId: NotRequired[int]
    transactionId: NotRequired[str | int]
    state: NotRequired[str]
    result: NotRequired[dict[str, Any]]
    error: NotRequired[str]


class CommandResult(TypedDict):
    """A command's answer: state ``sent`` (no wait) or ``answered`` with the station's ``result``."""

    messageId: str
    chargePointId: str
    state: CommandState
    action: NotRequired[str]
    result: NotRequired[dict[str, Any]]
    error: NotRequired[str]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]
    errorDetails: NotRequired[dict[str, Any]]


class CommandRecord(TypedDict):
    """``GET /commands/{messageId}``: the request, then the answer or the error, with timestamps."""

    messageId: str
    chargePointId: str
    state: CommandState
    action: NotRequired[str]
    request: NotRequired[dict[str, Any]]
    payload: NotRequired[dict[str, Any]]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]
    reason: NotRequired[str]


class Event(TypedDict):
    """One recorded change (``GET /events``, the SSE stream, webhook deliveries)."""

    id: str
    type: str
    time: str
    chargePointId: str | None
    payload: dict[str, Any]


class EventPage(TypedDict):
    """A page of the event log, oldest first; ``next`` is the id to ask after next time."""

    events: list[Event]
    next: str


class Webhook(TypedDict):
    """A webhook; ``secret`` only in the answer that created it, when the server generated it."""

    id: str
    url: str
    types: list[str]
    createdAt: str
    cursor: NotRequired[str]
    deadLetters: NotRequired[int]
    secret: NotRequired[str]


class WebhookDeleted(TypedDict):
    id: str
    deleted: bool


class Deliveries(TypedDict):
    """A webhook's newest delivery attempts and its dead letters, newest first."""

    id: str
    deliveries: list[dict[str, Any]]
    deadLetters: list[dict[str, Any]]


class Redelivered(TypedDict):
    id: str
    queued: int
    refused: int


class Limit(TypedDict):
    """Exactly one of amps (per phase) or watts (all phases together)."""

    amps: NotRequired[float]
    watts: NotRequired[float]
    phases: NotRequired[int]


class ScheduledLimit(TypedDict):
    start: str
    limit: Limit


class ExternalLimit(TypedDict):
    limit: Limit
    expires: str


class LimitNow(TypedDict):
    amps: NotRequired[list[float]]


class Site(TypedDict):
    id: str
    name: str
    limit: Limit
    schedule: NotRequired[list[ScheduledLimit]]
    parent: NotRequired[str]
    timeZone: NotRequired[str]
    externalLimit: NotRequired[ExternalLimit]
    limitNow: NotRequired[LimitNow]
    stations: NotRequired[list[str]]


class SiteDeleted(TypedDict):
    id: NotRequired[str]
    deleted: NotRequired[bool]


class Allocated(TypedDict):
    chargePointId: str
    transactionId: str
    evseId: int
    amps: float
    state: str
    capAmps: NotRequired[float | None]


class Allocation(TypedDict):
    id: str
    transactions: list[Allocated]


class FailingStation(TypedDict):
    chargePointId: str
    connected: bool
    reasons: dict[str, Any]


class FleetStatus(TypedDict):
    selector: str
    total: int
    inSync: int
    pending: int
    failed: int
    offline: int
    failing: list[FailingStation]
    failingOmitted: int


class FailedStation(TypedDict):
    chargePointId: str
    status: int
    error: str


class FleetDesiredAnswer(TypedDict):
    selector: str
    matched: int
    applied: int
    failed: list[FailedStation]
    failedOmitted: int


class FleetCommandResult(TypedDict):
    chargePointId: str
    state: str
    messageId: NotRequired[str]
    error: NotRequired[str]
    payload: NotRequired[dict[str, Any]]
    errorCode: NotRequired[str]
    errorDescription: NotRequired[str]


class FleetBatch(TypedDict):
    batchId: str
    action: str
    selector: str
    createdAt: str
    matched: int
    sent: int
    results: list[FleetCommandResult]
    counts: NotRequired[dict[str, Any]]


class IssuedCertificate(TypedDict):
    serialNumber: str
    chargePointId: str
    subject: str
    notBefore: str
    notAfter: str
    status: str
    certificateType: NotRequired[str]
    issuer: NotRequired[str]
    keyType: NotRequired[str]
    keyBits: NotRequired[int]
    issuedAt: NotRequired[str]
    revokedAt: NotRequired[str]
    certificate: NotRequired[str]
    certificateSignedMessageId: NotRequired[str | None]


class IssuedCertificates(TypedDict):
    chargePointId: str
    certificates: list[IssuedCertificate]


class InstalledCertificates(TypedDict):
    chargePointId: str
    certificates: list[dict[str, Any]]
    updatedAt: str | None
    status: NotRequired[str | None]
    truncated: NotRequired[bool]


class PasswordRotated(TypedDict):
    chargePointId: str
    messageId: str
    rotated: bool
    hasPassword: bool


class SecurityProfileUpgraded(TypedDict):
    chargePointId: str
    securityProfile: int
    previous: int
    steps: list[str]


class ChargingProfile(TypedDict):
    """One model for 1.6 and 2.0.1 (translated per the station's version)."""

    purpose: str
    schedule: dict[str, Any]
    id: NotRequired[int]
    stackLevel: NotRequired[int]
    kind: NotRequired[str]
    recurrency: NotRequired[str]
    evseId: NotRequired[int]
    transactionId: NotRequired[str]
    validFrom: NotRequired[str]
    validTo: NotRequired[str]


class ChargingProfileList(TypedDict):
    chargePointId: str
    chargingProfiles: list[ChargingProfile] | list[dict[str, Any]]
    """With ``source="station"``: what the station reported (id, evseId, requestId, schedule, ...)."""
    source: NotRequired[str]


class Tariff(TypedDict):
    """An OCPI 2.2.1 tariff, plus time_zone (IANA, default UTC)."""

    id: str
    currency: str
    time_zone: NotRequired[str]
    start_date_time: NotRequired[str]
    end_date_time: NotRequired[str]
    elements: list[dict[str, Any]]


class Assignment(TypedDict):
    target: str
    tariffIds: list[str]


class AssignmentList(TypedDict):
    """Which tariffs apply where: ``station:{id}``, ``group:{groupIdToken}``, ``default``."""

    assignments: dict[str, Any]


class Session(TypedDict):
    """A billing session ``{chargePointId}:{transactionId}`` with its energy and cost breakdown."""

    id: str
    chargePointId: str
    transactionId: str
    status: str
    energyWh: float
    energyNotes: list[str]
    flagged: NotRequired[bool]
    cost: dict[str, Any] | None
    samples: NotRequired[list[dict[str, Any]]]
    signedMeterValues: NotRequired[list[dict[str, Any]]]
    cdr: NotRequired[dict[str, Any]]


class SessionPage(TypedDict):
    sessions: list[Session]
    nextCursor: str | None


class Cdr(TypedDict):
    """An OCPI 2.2.1 CDR."""

    id: str
    start_date_time: str
    end_date_time: str
    currency: str
    total_cost: dict[str, Any]
    total_energy: NotRequired[float]
    charging_periods: list[dict[str, Any]]


class EvseSite(TypedDict, total=False):
    """One EVSE's site when it differs from its station's (None: the station's), and its wiring:
    ``phaseRotation`` (OCPP PhaseRotation, e.g. "STR": its L1 on the site's L2) and ``phases`` (1-3)."""

    site: str | None
    phaseRotation: str | None
    phases: int | None
