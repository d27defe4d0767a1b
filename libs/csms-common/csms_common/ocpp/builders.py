"""Builders of the CSMS→station calls that remote-api sends, per the station's OCPP version."""

from __future__ import annotations

import secrets

from csms_common.ocpp.frames import Call, new_message_id
from csms_common.ocpp.versions import OcppVersion

DEFAULT_ID_TOKEN_TYPE = "ISO14443"
"""The reference's idToken type for a remote start with an idTag."""

MAX_REMOTE_START_ID = 2**31 - 1
"""remoteStartId is an ``integer`` in OCPP 2.0.1; stay in the signed 32-bit range stations store."""


def new_remote_start_id() -> int:
    """A random positive 31-bit id that links a remote start to the transaction it creates."""
    return secrets.randbelow(MAX_REMOTE_START_ID) + 1


def remote_start(
    version: OcppVersion,
    *,
    id_tag: str | None,
    connector_id: int,
    remote_start_id: int,
    message_id: str | None = None,
) -> Call:
    """RequestStartTransaction (2.x) or RemoteStartTransaction (1.6).

    In 2.x a start without an idTag uses the idToken type ``NoAuthorization``
    with an empty token, the specification's way of saying "no token".
    """
    message_id = message_id or new_message_id()
    if version is OcppVersion.V16:
        payload: dict[str, object] = {"connectorId": connector_id}
        if id_tag is not None:
            payload["idTag"] = id_tag
        return Call(message_id, "RemoteStartTransaction", payload)
    id_token = (
        {"idToken": id_tag, "type": DEFAULT_ID_TOKEN_TYPE}
        if id_tag is not None
        else {"idToken": "", "type": "NoAuthorization"}
    )
    return Call(
        message_id,
        "RequestStartTransaction",
        {"idToken": id_token, "evseId": connector_id, "remoteStartId": remote_start_id},
    )


def remote_stop(version: OcppVersion, *, transaction_id: str, message_id: str | None = None) -> Call:
    """RequestStopTransaction with a string id (2.x) or RemoteStopTransaction with an integer (1.6).

    The caller has checked that a 1.6 transaction id is an integer (``int()`` raises otherwise).
    """
    message_id = message_id or new_message_id()
    if version is OcppVersion.V16:
        return Call(message_id, "RemoteStopTransaction", {"transactionId": int(transaction_id)})
    return Call(message_id, "RequestStopTransaction", {"transactionId": transaction_id})
