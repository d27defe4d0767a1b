"""CSMS→station calls the shadow service makes for billing: CostUpdated (I03) and GetTransactionStatus (E14).

They take the remote-api's path: the frame on ``{cp}/call`` (the gateway holding the station delivers it
under the one-outstanding-call rule) and a ``sent`` record in the command log, which the handler
completes with the station's answer. Only a connected 2.x station is called; otherwise nothing is sent.
"""

from __future__ import annotations

import logging
from typing import Any

from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.frames import Call, new_message_id
from csms_shadow.commands.sending import send_call
from csms_shadow.documents.document import JsonObject
from csms_shadow.documents.store import ShadowStore
from csms_shadow.transactions.records import Records

logger = logging.getLogger(__name__)

GET_TRANSACTION_STATUS = "GetTransactionStatus"


class StationCalls:
    def __init__(self, client: AsyncMqttClient, store: ShadowStore, records: Records) -> None:
        self._client = client
        self._store = store
        self._records = records

    async def protocol(self, station_id: str) -> str | None:
        """The OCPP subprotocol (``ocpp1.6``, ``ocpp2.0.1``...) of a connected station, else None."""
        station = await self._store.get_station(station_id)
        if not (station or {}).get("connected"):
            return None
        return str(((station or {}).get("connection") or {}).get("protocol") or "") or None

    async def send(
        self, station_id: str, action: str, payload: dict[str, Any], any_version: bool = False
    ) -> str | None:
        """Send ``action`` to a connected 2.x station (any version with ``any_version``: the 1.6
        security extension's calls); its message id, or None when not sent."""
        station = await self._store.get_station(station_id)
        connection = (station or {}).get("connection") or {}
        protocol = str(connection.get("protocol") or "")
        if not (station or {}).get("connected") or not (any_version or protocol.startswith("ocpp2")):
            return None
        call = Call(new_message_id(), action, payload)
        await send_call(self._client, self._records, station_id, call, protocol.removeprefix("ocpp"))
        logger.info(f"{action} sent", extra={"station_id": station_id, "message_id": call.message_id})
        return call.message_id

    async def ask_for_missing_events(self, session: JsonObject) -> None:
        """E14: the station still holds events of this transaction; asking makes it send them."""
        if session.get("protocol") == "2.x":
            await self.send(
                str(session["chargePointId"]),
                GET_TRANSACTION_STATUS,
                {"transactionId": str(session["transactionId"])},
            )
