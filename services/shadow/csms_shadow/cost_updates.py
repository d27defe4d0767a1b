"""CostUpdated (OCPP 2.0.1 I03) for running sessions: a timer inside the shadow service.

Why here: the shadow service already holds the sessions and the presence of each station, and it
is partitioned by station, so each replica sends the updates of its own stations only. The call
takes the remote-api's path: the frame on ``{cp}/out`` (the gateway holding the station delivers
it under the one-outstanding-call rule) and a ``sent`` record in the command log, which the
handler completes with the station's answer. 1.6 stations have no CostUpdated: their cost is on
the session only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from csms_common import topics
from csms_common.commands import CommandState, command_event
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import PublishError
from csms_common.ocpp.frames import Call, new_message_id
from csms_shadow.billing_metrics import COST_UPDATES
from csms_shadow.records import Records
from csms_shadow.sessions import SessionKeeper
from csms_shadow.store import ShadowStore

logger = logging.getLogger(__name__)

COST_UPDATED = "CostUpdated"


class CostUpdater:
    def __init__(
        self,
        client: AsyncMqttClient,
        keeper: SessionKeeper,
        store: ShadowStore,
        records: Records,
        owns: Callable[[str], bool],
        interval_seconds: float,
    ) -> None:
        self._client = client
        self._keeper = keeper
        self._store = store
        self._records = records
        self._owns = owns
        self._interval = interval_seconds

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._interval)
                return
            try:
                await self.tick()
            except (OSError, PublishError) as error:
                # Redis or the broker away: the next tick tries again; nothing is lost but one update.
                logger.warning("cost updates skipped", extra={"error": str(error)})

    async def tick(self) -> int:
        """Send one CostUpdated per running, priced 2.x session of a connected station; how many."""
        sent = 0
        for identity in await self._keeper.running():
            stored = await self._keeper.session(identity)
            # Station and transaction ids may both contain ':', so the id is not split: the record says.
            station_id = str((stored or {}).get("chargePointId"))
            if stored is None or not self._owns(station_id):
                continue
            session = await self._keeper.refreshed(identity)
            if session is None or session.get("status") != "active" or not session.get("cost"):
                continue
            if session.get("protocol") != "2.x":
                continue
            station = await self._store.get_station(station_id)
            connection = (station or {}).get("connection") or {}
            protocol = str(connection.get("protocol") or "")
            if not (station or {}).get("connected") or not protocol.startswith("ocpp2"):
                continue
            payload = {
                "totalCost": session["cost"]["totalCost"]["incl_vat"],
                "transactionId": str(session["transactionId"]),
            }
            call = Call(new_message_id(), COST_UPDATED, payload)
            await self._client.publish(topics.station_out(station_id), call.to_json(), qos=1)
            await self._records.record_command(
                station_id,
                command_event(
                    call.message_id,
                    CommandState.SENT,
                    action=COST_UPDATED,
                    request=payload,
                    version=protocol.removeprefix("ocpp"),
                ),
            )
            logger.info(
                "cost updated",
                extra={
                    "station_id": station_id,
                    "message_id": call.message_id,
                    "total_cost": payload["totalCost"],
                },
            )
            COST_UPDATES.inc()
            sent += 1
        return sent
