"""A client for the csms remote-api: ``Client``, ``AsyncClient`` and the reference's ``OCPPClient``."""

from csms_sdk._version import __version__
from csms_sdk.async_client import AsyncClient
from csms_sdk.client import Client
from csms_sdk.errors import (
    AlreadyRegistered,
    ApiError,
    BadRequest,
    CommandFailed,
    CommandTimeout,
    Conflict,
    CsmsError,
    Forbidden,
    Gone,
    MethodNotAllowed,
    NotConnected,
    NotFound,
    NotRegistered,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    StationError,
    TransportError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)
from csms_sdk.operations import Operation, UnexpectedResponse
from csms_sdk.reference import AsyncOCPPClient, OCPPClient
from csms_sdk.retry import RetryPolicy
from csms_sdk.signature import verify_signature
from csms_sdk.sse import ServerSentEvent
from csms_sdk.stream import StreamError

__all__ = [
    "AlreadyRegistered",
    "ApiError",
    "AsyncClient",
    "AsyncOCPPClient",
    "BadRequest",
    "Client",
    "CommandFailed",
    "CommandTimeout",
    "Conflict",
    "CsmsError",
    "Forbidden",
    "Gone",
    "MethodNotAllowed",
    "NotConnected",
    "NotFound",
    "NotRegistered",
    "OCPPClient",
    "Operation",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ServerSentEvent",
    "StationError",
    "StreamError",
    "TransportError",
    "Unauthorized",
    "Unavailable",
    "UnexpectedResponse",
    "UnsupportedMediaType",
    "__version__",
    "verify_signature",
]
