"""Liveness, readiness and Prometheus metrics; no authentication, so probes and scrapers need none."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from csms_api.blueprints.certificates import OCSP_ENDPOINTS
from csms_api.blueprints.stations import bus
from csms_api.multiprocess_metrics import exposition
from csms_api.openapi import openapi_document

health = Blueprint("health", __name__)

PUBLIC_ENDPOINTS = frozenset(
    {"health.healthz", "health.readyz", "health.metrics", "health.openapi"} | OCSP_ENDPOINTS
)


@health.get("/healthz")
def healthz() -> tuple[Response, int]:
    return jsonify({"status": "ok"}), 200


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    if bus().is_connected:
        return jsonify({"status": "ready"}), 200
    return jsonify({"status": "not ready", "error": "no broker connection"}), 503


@health.get("/openapi.json")
def openapi() -> tuple[Response, int]:
    return jsonify(openapi_document()), 200


@health.get("/metrics")
def metrics() -> Response:
    return Response(exposition(current_app.config["CSMS_METRICS_DIR"]), mimetype=CONTENT_TYPE_LATEST)
