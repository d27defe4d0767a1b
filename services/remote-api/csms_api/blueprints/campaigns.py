"""Firmware campaigns (docs/fleet.md): the shadow service keeps and drives them; these views check
the request's shape, ask over ``csms/shadow/fleet/campaign-*`` and pass the answer through."""

from __future__ import annotations

from flask import Blueprint, Response, request

from csms_api.bodies import json_body
from csms_api.errors import ApiError
from csms_api.models.campaigns import Campaign, CampaignActionPath, CampaignPath, CampaignRequest
from csms_api.operations import operation
from csms_api.registry_calls import ask_registry
from csms_api.scopes import requires
from csms_api.tokens import Scope
from csms_common.topics import RegistryMethod

campaigns = Blueprint("campaigns", __name__)

MAX_CAMPAIGN_ID_CHARS = 64
ACTIONS = ("pause", "resume", "cancel")


def _campaign_id(campaign_id: str) -> str:
    if not 0 < len(campaign_id) <= MAX_CAMPAIGN_ID_CHARS:
        raise ApiError(400, "Invalid campaign id")
    return campaign_id


@campaigns.post("/campaigns")
@requires(Scope.ADMIN)
@operation(
    "Start a firmware campaign: batches of the selector's stations, one after another",
    {201: (Campaign, "Started; its first batch is on its way")},
    body=CampaignRequest,
    errors=(409, 415),
)
def create_campaign() -> tuple[Response, int]:
    """A selector matching no station is 400; a 21st running or paused campaign 409."""
    return ask_registry(RegistryMethod.CAMPAIGN_CREATE, json_body(request))


@campaigns.get("/campaigns/<campaign_id>")
@requires(Scope.READ)
@operation(
    "A firmware campaign with each station's state",
    {200: (Campaign, "The campaign")},
    path=CampaignPath,
    errors=(404,),
)
def get_campaign(campaign_id: str) -> tuple[Response, int]:
    return ask_registry(RegistryMethod.CAMPAIGN_GET, {"campaignId": _campaign_id(campaign_id)})


@campaigns.post("/campaigns/<campaign_id>/<action>")
@requires(Scope.ADMIN)
@operation(
    "Pause, resume or cancel a firmware campaign",
    {200: (Campaign, "The campaign after the change")},
    path=CampaignActionPath,
    body_required=False,
    errors=(404, 409),
)
def control_campaign(campaign_id: str, action: str) -> tuple[Response, int]:
    """Resuming a campaign that paused itself acknowledges its failures: maxFailures counts anew."""
    if action not in ACTIONS:
        raise ApiError(404, f"Unknown campaign action: {action[:20]} (pause, resume, cancel)")
    return ask_registry(
        RegistryMethod.CAMPAIGN_CONTROL, {"campaignId": _campaign_id(campaign_id), "action": action}
    )
