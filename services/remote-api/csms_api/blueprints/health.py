"""Liveness, readiness and Prometheus metrics; no authentication, so probes and scrapers need none."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from csms_api.blueprints.certificates import OCSP_ENDPOINTS
from csms_api.blueprints.stations import bus
from csms_api.models.common import JsonObject
from csms_api.models.health import Health
from csms_api.multiprocess_metrics import exposition
from csms_api.openapi import openapi_document
from csms_api.operations import Answer, operation

health = Blueprint("health", __name__)

PUBLIC_ENDPOINTS = frozenset(
    {"health.healthz", "health.readyz", "health.metrics", "health.openapi"} | OCSP_ENDPOINTS
)


@health.get("/healthz")
@operation("Liveness", {200: (Health, "Alive")})
def healthz() -> tuple[Response, int]:
    return jsonify({"status": "ok"}), 200


@health.get("/readyz")
@operation(
    "Readiness: 200 with a broker connection", {200: (Health, "Ready"), 503: (Health, "No broker connection")}
)
def readyz() -> tuple[Response, int]:
    if bus().is_connected:
        return jsonify({"status": "ready"}), 200
    return jsonify({"status": "not ready", "error": "no broker connection"}), 503


@health.get("/openapi.json")
@operation(
    "This document: OpenAPI 3.1, built from the routes and their typed models",
    {200: (JsonObject, "The document")},
)
def openapi() -> tuple[Response, int]:
    document = current_app.extensions.get("csms_openapi")
    if document is None:
        # Built once per worker, on first use: the routes do not change while the app runs.
        document = current_app.extensions["csms_openapi"] = openapi_document(current_app, PUBLIC_ENDPOINTS)
    return jsonify(document), 200


@health.get("/metrics")
@operation(
    "Prometheus metrics of every worker", {200: Answer(str, "The text exposition format", "text/plain")}
)
def metrics() -> Response:
    return Response(exposition(current_app.config["CSMS_METRICS_DIR"]), mimetype=CONTENT_TYPE_LATEST)
