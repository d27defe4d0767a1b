"""CostUpdated (OCPP 2.0.1 I03) for running sessions: a timer inside the shadow service.

Why here: the shadow service already holds the sessions and the presence of each station, and it
is partitioned by station, so each replica sends the updates of its own stations only. The call
takes the remote-api's path (:mod:`csms_shadow.commands.station_calls`). 1.6 stations have no CostUpdated:
their cost is on the session only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from csms_common.mqtt_message import PublishError
from csms_common.runtime import every
from csms_shadow.billing.billing_metrics import COST_UPDATES
from csms_shadow.billing.sessions import SessionKeeper
from csms_shadow.commands.station_calls import StationCalls

logger = logging.getLogger(__name__)

COST_UPDATED = "CostUpdated"


class CostUpdater:
    def __init__(
        self,
        calls: StationCalls,
        keeper: SessionKeeper,
        owns: Callable[[str], bool],
        interval_seconds: float,
    ) -> None:
        self._calls = calls
        self._keeper = keeper
        self._owns = owns
        self._interval = interval_seconds

    async def run(self, stopping: asyncio.Event) -> None:
        async for _ in every(self._interval, stopping):
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
            payload = {
                "totalCost": session["cost"]["totalCost"]["incl_vat"],
                "transactionId": str(session["transactionId"]),
            }
            if await self._calls.send(station_id, COST_UPDATED, payload) is None:
                continue
            COST_UPDATES.inc()
            sent += 1
        return sent
