"""Webhooks' bodies: ``/webhooks``."""

from __future__ import annotations

from typing import Annotated, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from csms_api.models.common import EventId, JsonObject, WebhookId
from csms_common.events import EventType


class Webhook(TypedDict):
    id: str
    url: str
    types: list[EventType]
    createdAt: str
    cursor: NotRequired[str]
    deadLetters: NotRequired[int]
    secret: NotRequired[Annotated[str, Field(description="Only when the server generated it; shown once")]]


class WebhookList(TypedDict):
    webhooks: list[Webhook]


class CreateWebhook(TypedDict):
    url: Annotated[str, Field(max_length=2048)]
    types: NotRequired[Annotated[list[EventType], Field(max_length=32)]]
    secret: NotRequired[Annotated[str, Field(min_length=16, max_length=256)]]


class WebhookPath(TypedDict):
    webhook_id: WebhookId


class WebhookDeleted(TypedDict):
    id: str
    deleted: bool


class Deliveries(TypedDict):
    """The newest delivery attempts and the dead letters, newest first."""

    id: str
    deliveries: list[JsonObject]
    deadLetters: list[JsonObject]


class Redeliver(TypedDict, total=False):
    eventIds: Annotated[list[EventId], Field(max_length=1000)]


class Redelivered(TypedDict):
    id: str
    queued: int
    refused: int
