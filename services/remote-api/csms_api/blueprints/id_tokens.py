"""The id-token store: ``/id-tokens/{token}`` with status Accepted, Blocked, Expired or Invalid.

``PUT /id-tokens`` imports a list (all or none, at most API_ID_TOKEN_IMPORT_MAX); ``GET /id-tokens.csv``
(or ``GET /id-tokens?format=csv``) exports every token as CSV.

An id token's value is what an RFID card or app presents to start charging: a secret of sorts. The
list shows read-scope tokens (dashboards) only each value's last four characters; command and admin
tokens see whole values. Reading one id token by its value needs the value, so it is not masked.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, json_of, required
from csms_api.config import ApiSettings
from csms_api.errors import ApiError
from csms_api.metrics import ID_TOKEN_IMPORTS_TOO_LARGE
from csms_api.models.id_tokens import (
    IdToken,
    IdTokenDeleted,
    IdTokenImport,
    IdTokenImported,
    IdTokenList,
    IdTokenPath,
    PutIdToken,
)
from csms_api.operations import Answer, operation
from csms_api.scopes import requires
from csms_api.spreadsheet import cell
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

id_tokens = Blueprint("id_tokens", __name__)


def _answer(status: int, body: dict[str, object]) -> tuple[Response, int]:
    if status in (400, 409):
        raise ApiError(status, str(body.get("error", "invalid request")))
    return jsonify(body), status


@id_tokens.put("/id-tokens/<token>")
@requires(Scope.ADMIN)
@operation(
    "Create or replace an id token",
    {200: (IdToken, "Replaced"), 201: (IdToken, "Created")},
    body=PutIdToken,
    path=IdTokenPath,
    errors=(409, 415),
)
def put_token(token: str) -> tuple[Response, int]:
    body = json_body(request)
    record: dict[str, object] = {"idToken": token, "status": required(body, "status")}
    if body.get("expiryDate") is not None:
        record["expiryDate"] = body["expiryDate"]
    for optional in ("groupIdToken", "evseIds", "chargingPriority"):
        if body.get(optional) is not None:
            record[optional] = body[optional]
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


def _visible_tokens() -> tuple[list[dict[str, Any]], bool]:
    """Every token, and whether their values are masked (read-scope callers)."""
    status, body = bus().registry(RegistryMethod.TOKEN_LIST, {})
    if status != 200:
        raise ApiError(502, f"Invalid answer from the shadow service: {status}")
    records: list[dict[str, Any]] = body.get("idTokens", [])
    scope = g.get("token_scope")  # None: authentication is switched off
    if scope is not None and scope < Scope.COMMAND:
        return [{**record, "idToken": masked(str(record.get("idToken", "")))} for record in records], True
    return records, False


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
    description="With ?format=csv the answer is GET /id-tokens.csv's.",
)
def list_tokens() -> Response | tuple[Response, int]:
    if request.args.get("format") == "csv":
        return tokens_csv()
    records, is_masked = _visible_tokens()
    body: dict[str, Any] = {"idTokens": records}
    if is_masked:
        body["masked"] = True
    return jsonify(body), 200


CSV_COLUMNS = ("idToken", "status", "expiryDate", "groupIdToken", "evseIds", "chargingPriority", "updatedAt")


def csv_row(record: dict[str, Any]) -> list[str]:
    """One token as CSV cells; its EVSE ids space-separated ("1 3")."""
    values = {**record, "evseIds": " ".join(str(evse) for evse in record.get("evseIds") or [])}
    return [cell(values.get(column)) for column in CSV_COLUMNS]


@id_tokens.get("/id-tokens.csv")
@requires(Scope.READ)
@operation(
    "Every id token as CSV (masked values for read-scope tokens, as in the list)",
    {200: Answer(str, "CSV: " + ",".join(CSV_COLUMNS), "text/csv")},
)
def tokens_csv() -> Response:
    records, _ = _visible_tokens()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(record) for record in records)
    return Response(buffer.getvalue(), mimetype="text/csv")


def _settings() -> ApiSettings:
    settings: ApiSettings = current_app.extensions["csms_settings"]
    return settings


def _json_list_body() -> list[Any]:
    """The body as a JSON array (up to API_ID_TOKEN_IMPORT_MAX_BYTES); 400 for anything else."""
    settings = _settings()
    request.max_content_length = max(settings.max_body_bytes, settings.id_token_import_max_bytes)
    body: list[Any] = json_of(request, list, "Request body must be a JSON array of id tokens")
    return body


@id_tokens.put("/id-tokens")
@requires(Scope.ADMIN)
@operation(
    "Import id tokens: create or replace every one, or none if one is wrong",
    {200: (IdTokenImported, "Every token stored")},
    body=IdTokenImport,
    errors=(409, 413, 415),
    description="A wrong entry is named in the 400 answer (idTokens[index]: reason); nothing is stored then. "
    "At most API_ID_TOKEN_IMPORT_MAX tokens (default 1000) in API_ID_TOKEN_IMPORT_MAX_BYTES (default 1 MiB).",
)
def import_tokens() -> tuple[Response, int]:
    entries = _json_list_body()
    limit = _settings().id_token_import_max
    if not entries or len(entries) > limit:
        if entries:
            ID_TOKEN_IMPORTS_TOO_LARGE.inc()
        raise ApiError(400, f"An import carries 1 to {limit} id tokens, got {len(entries)}")
    return _answer(*bus().registry(RegistryMethod.TOKEN_IMPORT, {"idTokens": entries}))
