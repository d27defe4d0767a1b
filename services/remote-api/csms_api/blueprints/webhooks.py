"""Webhooks: ``/webhooks`` (admin). The notifier delivers; these endpoints manage and inspect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from csms_api.blueprints.stations import bus
from csms_api.bodies import json_body, required
from csms_api.config import ApiSettings
from csms_api.errors import ApiError
from csms_api.models.webhooks import (
    CreateWebhook,
    Deliveries,
    Redeliver,
    Redelivered,
    Webhook,
    WebhookDeleted,
    WebhookList,
    WebhookPath,
)
from csms_api.operations import operation
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod
from csms_common.webhooks.ssrf import RefusedUrl, check_url

webhooks = Blueprint("webhooks", __name__)


def _answer(status: int, body: dict[str, Any]) -> tuple[Response, int]:
    if status >= 400:
        raise ApiError(status, str(body.get("error", "webhook request failed")))
    return jsonify(body), status


@webhooks.post("/webhooks")
@requires(Scope.ADMIN)
@operation(
    "Create a webhook: events of the given types are POSTed to url, signed with the secret",
    {201: (Webhook, "Created")},
    body=CreateWebhook,
    errors=(409, 415),
)
def create_webhook() -> tuple[Response, int]:
    body = json_body(request)
    url = required(body, "url")
    settings: ApiSettings = current_app.extensions["csms_settings"]
    try:
        check_url(url, settings.webhook_allowed_networks)
    except RefusedUrl as error:
        raise ApiError(400, f"Invalid url: {error}") from error
    request_body: dict[str, Any] = {"url": url}
    for optional in ("types", "secret"):
        if optional in body:
            request_body[optional] = body[optional]
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_CREATE, request_body))


@webhooks.get("/webhooks")
@requires(Scope.ADMIN)
@operation("List webhooks (never their secrets)", {200: (WebhookList, "Every webhook")})
def list_webhooks() -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_LIST, {}))


@webhooks.get("/webhooks/<webhook_id>")
@requires(Scope.ADMIN)
@operation("Show a webhook", {200: (Webhook, "The webhook")}, path=WebhookPath, errors=(404,))
def get_webhook(webhook_id: str) -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_GET, {"webhookId": webhook_id}))


@webhooks.delete("/webhooks/<webhook_id>")
@requires(Scope.ADMIN)
@operation(
    "Delete a webhook, its delivery log and dead letters",
    {200: (WebhookDeleted, "Deleted")},
    path=WebhookPath,
    errors=(404,),
)
def delete_webhook(webhook_id: str) -> tuple[Response, int]:
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_DELETE, {"webhookId": webhook_id}))


@webhooks.get("/webhooks/<webhook_id>/deliveries")
@requires(Scope.ADMIN)
@operation(
    "The newest delivery attempts and the dead letters, newest first",
    {200: (Deliveries, "The log")},
    path=WebhookPath,
    errors=(404,),
)
def webhook_deliveries(webhook_id: str) -> tuple[Response, int]:
    """The newest delivery attempts and the dead letters (events given up on after N attempts)."""
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_DELIVERIES, {"webhookId": webhook_id}))


@webhooks.post("/webhooks/<webhook_id>/redeliver")
@requires(Scope.ADMIN)
@operation(
    "Deliver events again: the ids given, or every dead letter",
    {202: (Redelivered, "Queued")},
    body=Redeliver,
    body_required=False,
    path=WebhookPath,
    errors=(404, 410, 415),
)
def redeliver(webhook_id: str) -> tuple[Response, int]:
    """Deliver events again: ``{"eventIds": [...]}``, or every dead letter with an empty body."""
    body = json_body(request) if request.get_data() else {}
    request_body: dict[str, Any] = {"webhookId": webhook_id}
    if "eventIds" in body:
        request_body["eventIds"] = body["eventIds"]
    return _answer(*bus().registry(RegistryMethod.WEBHOOK_REDELIVER, request_body))
