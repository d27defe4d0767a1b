"""Billing: OCPI tariffs and their assignments, sessions with cost breakdowns, CSV export, CDRs.

Everything is kept and computed by the shadow service; these views check the request, ask it over
``csms/shadow/billing/{method}`` and pass its answer through. ``GET /sessions.csv`` streams page by page,
so an export of any size holds one page in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, station_id_parameter
from csms_api.errors import ApiError
from csms_api.models.billing import (
    Assignment,
    AssignmentList,
    AssignTariffs,
    Cdr,
    GroupPath,
    Session,
    SessionFilters,
    SessionPage,
    SessionPath,
    SessionQuery,
    Tariff,
    TariffList,
    TariffPath,
)
from csms_api.models.common import JsonObject, StationPath
from csms_api.models.sites import SitePath
from csms_api.operations import Answer, operation
from csms_api.registry_calls import ask_registry, registry_answer
from csms_api.scopes import requires
from csms_api.spreadsheet import cell
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

billing = Blueprint("billing", __name__)

CSV_PAGE = 200
CSV_COLUMNS = (
    "id",
    "chargePointId",
    "transactionId",
    "evseId",
    "idToken",
    "groupIdToken",
    "status",
    "startTime",
    "endTime",
    "durationSeconds",
    "chargingSeconds",
    "idleSeconds",
    "energyWh",
    "currency",
    "totalExclVat",
    "totalInclVat",
    "tariffIds",
    "flagged",
    "energyNotes",
)
ASSIGN = "Assign tariffs (in order of preference; one currency); an empty list removes the assignment"


# -------------------------------------------------------------------- tariffs


@billing.get("/tariffs")
@requires(Scope.READ)
@operation("List tariffs", {200: (TariffList, "Every tariff")})
def list_tariffs() -> tuple[Response, int]:
    return ask_registry(RegistryMethod.TARIFF_LIST, {})


@billing.post("/tariffs")
@requires(Scope.ADMIN)
@operation(
    "Create a tariff (OCPI 2.2.1 shape); refused with the reason when invalid",
    {201: (Tariff, "Created")},
    body=Tariff,
    errors=(409, 415),
)
def create_tariff() -> tuple[Response, int]:
    return ask_registry(RegistryMethod.TARIFF_PUT, {"tariff": json_body(request), "createOnly": True})


@billing.get("/tariffs/<tariff_id>")
@requires(Scope.READ)
@operation("Show a tariff", {200: (Tariff, "The tariff")}, path=TariffPath, errors=(404,))
def get_tariff(tariff_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.TARIFF_GET, {"id": tariff_id})


@billing.put("/tariffs/<tariff_id>")
@requires(Scope.ADMIN)
@operation(
    "Create or replace a tariff",
    {200: (Tariff, "Replaced"), 201: (Tariff, "Created")},
    body=Tariff,
    path=TariffPath,
    errors=(409, 415),
)
def put_tariff(tariff_id: str) -> tuple[Response, int]:
    body = json_body(request)
    if body.get("id", tariff_id) != tariff_id:
        raise ApiError(400, "the body's id differs from the path's")
    return ask_registry(RegistryMethod.TARIFF_PUT, {"tariff": {**body, "id": tariff_id}})


@billing.delete("/tariffs/<tariff_id>")
@requires(Scope.ADMIN)
@operation(
    "Delete a tariff that no assignment uses",
    {200: (JsonObject, "Deleted")},
    path=TariffPath,
    errors=(404, 409),
)
def delete_tariff(tariff_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.TARIFF_DELETE, {"id": tariff_id})


@billing.get("/tariff-assignments")
@requires(Scope.READ)
@operation("Which tariffs apply where", {200: (AssignmentList, "Assignments")})
def list_assignments() -> tuple[Response, int]:
    return ask_registry(RegistryMethod.TARIFF_ASSIGNMENTS, {})


def _assign(target: str) -> tuple[Response, int]:
    body = json_body(request)
    return ask_registry(RegistryMethod.TARIFF_ASSIGN, {"target": target, "tariffIds": body.get("tariffIds")})


@billing.put("/tariff-assignments/default")
@requires(Scope.ADMIN)
@operation(ASSIGN, {200: (Assignment, "Assigned")}, body=AssignTariffs, errors=(404, 415))
def assign_default() -> tuple[Response, int]:
    return _assign("default")


@billing.put("/tariff-assignments/stations/<station_id>")
@requires(Scope.ADMIN)
@operation(ASSIGN, {200: (Assignment, "Assigned")}, body=AssignTariffs, path=StationPath, errors=(404, 415))
def assign_station(station_id: str) -> tuple[Response, int]:
    return _assign(f"station:{station_id_parameter(station_id)}")


@billing.put("/tariff-assignments/sites/<site_id>")
@requires(Scope.ADMIN)
@operation(ASSIGN, {200: (Assignment, "Assigned")}, body=AssignTariffs, path=SitePath, errors=(404, 415))
def assign_site(site_id: str) -> tuple[Response, int]:
    return _assign(f"site:{site_id}")


@billing.put("/tariff-assignments/groups/<group>")
@requires(Scope.ADMIN)
@operation(ASSIGN, {200: (Assignment, "Assigned")}, body=AssignTariffs, path=GroupPath, errors=(404, 415))
def assign_group(group: str) -> tuple[Response, int]:
    return _assign(f"group:{group}")


# ------------------------------------------------------------------- sessions


def _session_filters() -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name in ("chargePointId", "idToken", "from", "to", "cursor"):
        value = request.args.get(name)
        if value is not None:
            filters[name] = value
    if "chargePointId" in filters:
        filters["chargePointId"] = station_id_parameter(filters["chargePointId"])
    return filters


def _limit(default: int) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 4:
        raise ApiError(400, "limit must be a whole number")
    return int(raw)


@billing.get("/sessions")
@requires(Scope.READ)
@operation(
    "Billing sessions, oldest start first, paged", {200: (SessionPage, "One page")}, query=SessionQuery
)
def list_sessions() -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SESSION_LIST, {**_session_filters(), "limit": _limit(50)})


@billing.get("/sessions/<session_id>")
@requires(Scope.READ)
@operation(
    "One session ({chargePointId}:{transactionId}) with its cost breakdown",
    {200: (Session, "The session")},
    path=SessionPath,
    errors=(404,),
)
def get_session(session_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.SESSION_GET, {"id": session_id})


@billing.get("/cdrs/<session_id>")
@requires(Scope.READ)
@operation(
    "The OCPI 2.2.1 CDR of a completed, priced session",
    {200: (Cdr, "The CDR")},
    path=SessionPath,
    errors=(404,),
)
def get_cdr(session_id: str) -> tuple[Response, int]:
    status, session = bus().registry(RegistryMethod.SESSION_GET, {"id": session_id})
    if status != 200:
        registry_answer(status, session)
    cdr = session.get("cdr")
    if cdr is None:
        raise ApiError(
            404, f"No CDR for {session_id}: the session is {session.get('status')} or has no tariff"
        )
    return jsonify(cdr), 200


def csv_row(session: dict[str, Any]) -> list[str]:
    cost = session.get("cost") or {}
    total = cost.get("totalCost") or {}
    values = {
        **session,
        "currency": cost.get("currency"),
        "totalExclVat": total.get("excl_vat"),
        "totalInclVat": total.get("incl_vat"),
        "tariffIds": " ".join(session.get("tariffIds") or []),
        "energyNotes": " | ".join(session.get("energyNotes") or []),
    }
    return [cell(values.get(column)) for column in CSV_COLUMNS]


@billing.get("/sessions.csv")
@requires(Scope.READ)
@operation(
    "Every matching session as CSV, streamed (for accounting)",
    {200: Answer(str, "CSV", "text/csv")},
    query=SessionFilters,
)
def sessions_csv() -> Response:
    filters = _session_filters()
    api_bus = bus()
    # The first page is fetched before streaming starts, so a bad filter is still a clean 400.
    status, first = api_bus.registry(RegistryMethod.SESSION_LIST, {**filters, "limit": CSV_PAGE})
    if status != 200:
        registry_answer(status, first)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        page = first
        while True:
            for session in page.get("sessions") or []:
                writer.writerow(csv_row(session))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            cursor = page.get("nextCursor")
            if cursor is None:
                return
            status, page = api_bus.registry(
                RegistryMethod.SESSION_LIST, {**filters, "cursor": cursor, "limit": CSV_PAGE}
            )
            if status != 200:
                # Mid-stream the status line is gone; the file ends with a line that says why.
                yield f"# export incomplete: {page.get('error', status)}\n"
                return

    return Response(stream_with_context(rows()), mimetype="text/csv")
