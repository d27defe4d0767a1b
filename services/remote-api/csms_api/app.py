"""The Flask application factory; gunicorn serves ``csms_api.app:create_app()``."""

from __future__ import annotations

import logging
import os
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from csms_api.audit import audit_record, is_audited
from csms_api.blueprints.billing import billing
from csms_api.blueprints.campaigns import campaigns
from csms_api.blueprints.certificates import certificates
from csms_api.blueprints.charging_profiles import charging_profiles
from csms_api.blueprints.commands import commands
from csms_api.blueprints.events import StreamSlots, events
from csms_api.blueprints.fleet import fleet
from csms_api.blueprints.health import PUBLIC_ENDPOINTS, health
from csms_api.blueprints.id_tokens import id_tokens
from csms_api.blueprints.security_profiles import security_profiles
from csms_api.blueprints.sites import sites
from csms_api.blueprints.stations import stations
from csms_api.blueprints.transactions import transactions
from csms_api.blueprints.webhooks import webhooks
from csms_api.bus import ApiBus
from csms_api.config import ApiSettings
from csms_api.errors import ApiError, register_error_handlers
from csms_api.metrics import AUDIT_PUBLISH_FAILURES, AUTH_FAILURES, REQUEST_SECONDS, REQUESTS
from csms_api.openapi import V1_ALIAS_PREFIX
from csms_api.rate_limit import RateLimiter
from csms_api.request_body import BufferedBody
from csms_api.scopes import required_scope
from csms_api.tokens import Scope
from csms_api.wait_slots import WaitSlots
from csms_common.clock import utc_now_iso
from csms_common.config import Environment
from csms_common.mqtt_sync import ThreadedMqttClient
from csms_common.ocpp.schemas import SchemaRegistry

logger = logging.getLogger(__name__)

SUPPORTED_API_VERSIONS = frozenset({"v1", "1"})


def create_app(settings: ApiSettings | None = None, bus: ApiBus | None = None) -> Flask:
    """Build the app; without arguments, settings come from the environment and a broker client starts."""
    settings = settings or ApiSettings.from_environment(Environment())
    if bus is None:
        client = ThreadedMqttClient(settings.mqtt, "remote-api", service="remote-api")
        client.start()
        client.wait_connected(settings.request_timeout)
        bus = ApiBus(client, settings.request_timeout)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["CSMS_CONNECT_GRACE"] = settings.connect_grace
    app.config["CSMS_STATION_WSS_URL"] = settings.station_wss_url
    app.config["CSMS_METRICS_DIR"] = settings.metrics_dir
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["csms_bus"] = bus
    app.extensions["csms_schemas"] = SchemaRegistry()
    app.extensions["csms_settings"] = settings
    app.extensions["csms_stream_slots"] = StreamSlots(settings.sse_max_streams)
    register_error_handlers(app)

    register_routes(app)

    app.extensions["csms_command_limiter"] = RateLimiter(settings.command_rate, settings.command_burst)
    app.extensions["csms_wait_slots"] = WaitSlots(settings.waits_per_token)
    larger = max(settings.max_body_bytes, settings.id_token_import_max_bytes)
    app.wsgi_app = BufferedBody(  # type: ignore[method-assign]
        app.wsgi_app,
        settings.max_body_bytes,
        settings.body_timeout,
        {("PUT", "/id-tokens"): larger, ("PUT", "/v1/id-tokens"): larger},
    )

    @app.before_request
    def authenticate() -> Response | None:
        g.started = time.perf_counter()
        if request.method == "OPTIONS":
            # A CORS preflight carries no credentials; after_request adds the CORS headers.
            return app.make_default_options_response()
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        requested_version = request.headers.get("API-Version")
        if requested_version is not None and requested_version not in SUPPORTED_API_VERSIONS:
            raise ApiError(400, f"Unsupported API-Version: {requested_version}; supported: v1")
        if settings.tokens is None:
            return None
        header = request.headers.get("Authorization", "")
        if "," in header:
            # gunicorn joins repeated headers with commas, and no bearer token has one (RFC 6750).
            AUTH_FAILURES.labels("unauthenticated").inc()
            raise ApiError(400, "More than one Authorization header")
        scheme, _, presented = header.partition(" ")
        token = settings.tokens.authenticate(presented) if scheme.lower() == "bearer" and presented else None
        if token is None:
            AUTH_FAILURES.labels("unauthenticated").inc()
            raise ApiError(401, "Missing or invalid bearer token")
        # Known before the scope check, so that a refused call's audit record names the token too.
        g.token_name = token.name
        g.token_scope = token.scope
        if request.url_rule is None:
            # No such route (404) or method (405): Flask says so to anyone authenticated; a scope
            # check here would answer 403 and tell a reader that an admin-only route might exist.
            return None
        needed = required_scope(app.view_functions.get(request.endpoint or ""))
        if token.scope < needed:
            AUTH_FAILURES.labels("forbidden").inc()
            raise ApiError(403, f"Token {token.name!r} lacks the {needed.name.lower()} scope")
        return None

    @app.after_request
    def observe(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        REQUEST_SECONDS.labels(route).observe(elapsed)
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="csms"'
        origin = request.headers.get("Origin")
        if origin is not None and origin in settings.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, API-Version"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers["Access-Control-Max-Age"] = "600"
        if settings.audit and is_audited(request.method, request.endpoint in PUBLIC_ENDPOINTS):
            publish_audit(route, response.status_code)
        if request.endpoint not in PUBLIC_ENDPOINTS:
            logger.info(
                "api request",
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "latency_ms": round(elapsed * 1000, 2),
                    "station_id": (request.view_args or {}).get("station_id"),
                    "token": g.get("token_name"),
                    "worker_pid": os.getpid(),
                },
            )
        return response

    def publish_audit(route: str, status: int) -> None:
        record = audit_record(
            time=utc_now_iso(),
            method=request.method,
            route=route,
            path=request.path,
            view_args=dict(request.view_args or {}),
            body=_body_or_none(),
            token=g.get("token_name"),
            scope=_scope_name(g.get("token_scope")),
            status=status,
        )
        try:
            app.extensions["csms_bus"].audit(record)
        except ApiError as error:
            # The request itself is done and answered; its record is what failed. Counted and logged.
            AUDIT_PUBLISH_FAILURES.inc()
            logger.error("audit record not published", extra={**record, "error": error.message})

    return app


def register_routes(app: Flask) -> None:
    """Every blueprint: the seed's paths, and the same under /v1 (the reference's versioning strategy)."""
    for blueprint in (
        stations,
        transactions,
        commands,
        id_tokens,
        events,
        webhooks,
        billing,
        certificates,
        security_profiles,
        fleet,
        campaigns,
        sites,
        charging_profiles,
    ):
        app.register_blueprint(blueprint)
        app.register_blueprint(blueprint, url_prefix="/v1", name=f"{V1_ALIAS_PREFIX}{blueprint.name}")
    app.register_blueprint(health)


def documented_app() -> Flask:
    """An app with every route and nothing else (no broker): what ``scripts/dump_openapi.py`` and the
    tests build the OpenAPI document from."""
    app = Flask(__name__)
    register_routes(app)
    return app


def _scope_name(scope: Scope | None) -> str | None:
    """The audit record's spelling of a scope: ``read``, ``command`` or ``admin``."""
    return None if scope is None else scope.name.lower()


def _body_or_none() -> object:
    """The request's JSON body if it had one that could be read (only its target ids are recorded)."""
    try:
        return request.get_json(silent=True, force=True)
    except HTTPException:
        return None  # e.g. a body over the size limit (413)
    except RecursionError:
        return None  # nested thousands deep: the request was answered 400 already (bodies.json_body)
