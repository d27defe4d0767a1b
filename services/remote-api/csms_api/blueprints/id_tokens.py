"""The id-token store: ``/id-tokens/{token}`` with status Accepted, Blocked, Expired or Invalid.

An id token's value is what an RFID card or app presents to start charging: a secret of sorts. The
list shows read-scope tokens (dashboards) only each value's last four characters; command and admin
tokens see whole values. Reading one id token by its value needs the value, so it is not masked.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, required
from csms_api.errors import ApiError
from csms_api.models.id_tokens import IdToken, IdTokenDeleted, IdTokenList, IdTokenPath, PutIdToken
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

id_tokens = Blueprint("id_tokens", __name__)


def _answer(status: int, body: dict[str, object]) -> tuple[Response, int]:
    if status == 400:
        raise ApiError(400, str(body.get("error", "invalid request")))
    return jsonify(body), status


@id_tokens.put("/id-tokens/<token>")
@requires(Scope.ADMIN)
@operation(
    "Create or replace an id token",
    {200: (IdToken, "Replaced"), 201: (IdToken, "Created")},
    body=PutIdToken,
    path=IdTokenPath,
    errors=(415,),
)
def put_token(token: str) -> tuple[Response, int]:
    body = json_body(request)
    record: dict[str, object] = {"idToken": token, "status": required(body, "status")}
    if body.get("expiryDate") is not None:
        record["expiryDate"] = body["expiryDate"]
    if body.get("groupIdToken") is not None:
        record["groupIdToken"] = body["groupIdToken"]
    if body.get("chargingPriority") is not None:
        record["chargingPriority"] = body["chargingPriority"]
    return _answer(*bus().registry(RegistryMethod.TOKEN_PUT, record))


@id_tokens.get("/id-tokens/<token>")
@requires(Scope.READ)
@operation("Show an id token", {200: (IdToken, "The token")}, path=IdTokenPath, errors=(404,))
def get_token(token: str) -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.TOKEN_GET, {"idToken": token}))


@id_tokens.delete("/id-tokens/<token>")
@requires(Scope.ADMIN)
@operation("Delete an id token", {200: (IdTokenDeleted, "Deleted")}, path=IdTokenPath, errors=(404,))
def delete_token(token: str) -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.TOKEN_DELETE, {"idToken": token}))


VISIBLE_CHARACTERS = 4


def masked(value: str) -> str:
    """``"04A2B3C4D5E6F7"`` becomes ``"****E6F7"``: only the last four characters stay visible."""
    return "****" + value[-VISIBLE_CHARACTERS:] if len(value) > VISIBLE_CHARACTERS else "****"


@id_tokens.get("/id-tokens")
@requires(Scope.READ)
@operation(
    "List id tokens",
    {
        200: (
            IdTokenList,
            'Every token; for read-scope tokens only each value\'s last four characters ("****E6F7") '
            'and "masked": true',
        )
    },
)
def list_tokens() -> tuple[Response, int]:
    status, body = bus().registry(RegistryMethod.TOKEN_LIST, {})
    scope = g.get("token_scope")  # None: authentication is switched off
    if status == 200 and scope is not None and scope < Scope.COMMAND:
        records: list[dict[str, Any]] = body.get("idTokens", [])
        body = {
            **body,
            "idTokens": [{**record, "idToken": masked(str(record.get("idToken", "")))} for record in records],
            "masked": True,
        }
    return _answer(status, body)
