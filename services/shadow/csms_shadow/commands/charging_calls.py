"""SetChargingProfile to a connected station of any version, on the remote-api's path: the frame on
``{cp}/call`` and a ``sent`` record in the command log, which the handler completes with the answer
(the allocator reads that record to learn whether the station accepted)."""

from __future__ import annotations

import logging
from typing import Any

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.frames import Call, new_message_id
from csms_common.smart_charging.profiles import Profile, to_version
from csms_shadow.commands.sending import send_call
from csms_shadow.transactions.records import Records

logger = logging.getLogger(__name__)

SET_CHARGING_PROFILE = "SetChargingProfile"
GET_COMPOSITE_SCHEDULE = "GetCompositeSchedule"
VERIFY_SECONDS = 3600


class ChargingCalls:
    def __init__(self, client: AsyncMqttClient, records: Records) -> None:
        self._client = client
        self._records = records

    async def set_profile(self, station_id: str, protocol: str, profile: Profile) -> str:
        """Send the profile in the station's version (``ocpp1.6``, ``ocpp2.0.1``); its message id."""
        version = protocol.removeprefix("ocpp")
        payload = to_version(profile, version)
        call = await self._send(station_id, version, SET_CHARGING_PROFILE, payload)
        logger.info(
            "charging profile sent",
            extra={
                "station_id": station_id,
                "message_id": call.message_id,
                "purpose": str(profile.purpose),
                "transaction_id": profile.transaction_id,
                "amps": profile.periods[0].limit,
            },
        )
        return call.message_id

    async def get_composite_schedule(self, station_id: str, protocol: str, evse_id: int) -> str:
        """Ask what the station will do on the EVSE for the next hour (verification); the message id."""
        version = protocol.removeprefix("ocpp")
        where = {"connectorId": evse_id} if version == "1.6" else {"evseId": evse_id}
        payload = {**where, "duration": VERIFY_SECONDS, "chargingRateUnit": "A"}
        call = await self._send(station_id, version, GET_COMPOSITE_SCHEDULE, payload)
        return call.message_id

    async def _send(self, station_id: str, version: str, action: str, payload: dict[str, Any]) -> Call:
        call = Call(new_message_id(), action, payload)
        await send_call(self._client, self._records, station_id, call, version)
        return call
