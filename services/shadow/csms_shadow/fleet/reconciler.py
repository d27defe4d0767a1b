"""The reconciler: sends the calls that bring a connected station to its desired state.

Why inside the shadow service and not a deployable of its own: the shadow service already owns
the document (desired and reported), the presence of each station and the command records, and it
is partitioned by station; a separate service would need all three over MQTT to decide anything.
It sends calls the remote-api's way (a frame on ``{cp}/call``, a ``sent`` command record), so the
gateway's one-outstanding-call rule and call timeout apply unchanged.

One reconciler call per station at a time: before a call is published, a marker naming its message
id and what it carries is written with SET NX (``reconcile:{cp}``). The marker goes only once the
call's outcome is folded into ``reported`` (with a client token derived from the message id, so a
fold repeated after a crash applies once). A replica that crashes at any point leaves either a
marker, which the next pass resolves from the command record (or, with no record after
``stale_seconds``, as a call that never left), or nothing; so no station gets the same call twice
and none is forgotten. Triggers: a desired change, the station connecting or booting, the answer to
the previous call, and a timer over the stations with work left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import Counter
from redis.exceptions import RedisError

from csms_common.commands import CommandState
from csms_common.events import EventType
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.mqtt_message import PublishError
from csms_common.ocpp.frames import Call, new_message_id
from csms_shadow.commands.sending import send_call
from csms_shadow.documents.desired_store import DesiredStore
from csms_shadow.documents.document import JsonObject, delta_of
from csms_shadow.documents.reported_configuration import reported_configuration
from csms_shadow.documents.store import ShadowStore, ShadowUpdateRequest
from csms_shadow.events.events import EventLog
from csms_shadow.fleet.local_list_plan import (
    LOCAL_AUTH_LIST,
    SEND_LOCAL_LIST,
    LocalListInput,
    kept_after,
    needs_tokens,
)
from csms_shadow.fleet.local_list_store import LocalListStore
from csms_shadow.fleet.reconcile_plan import (
    RECONCILER_ACTIONS,
    call_statuses,
    plan_next,
    results_of,
    status_label,
)
from csms_shadow.tokens.tokens import IdTokenStore
from csms_shadow.transactions.records import Records

logger = logging.getLogger(__name__)

RETRIES = 3
RETRY_DELAY_SECONDS = 1.0
FINAL_STATES = frozenset(state.value for state in CommandState if state is not CommandState.SENT)

RECONCILE_PASSES = Counter(
    "csms_reconcile_passes_total",
    "Reconciler passes over one station by outcome "
    "(sent, waiting, in_sync, idle, offline, not_booted, unregistered)",
    ["outcome"],
)
RECONCILE_RESULTS = Counter(
    "csms_reconcile_results_total",
    "Per-key outcomes of reconciler calls by property and status (unknown statuses: other)",
    ["property", "status"],
)


class Reconciler:
    def __init__(
        self,
        client: AsyncMqttClient,
        store: ShadowStore,
        desired: DesiredStore,
        records: Records,
        owns: Callable[[str], bool],
        interval_seconds: float,
        stale_seconds: float,
        concurrency: int = 16,
        tokens: IdTokenStore | None = None,
        local_lists: LocalListStore | None = None,
        events: EventLog | None = None,
    ) -> None:
        self._events = events
        self._tokens = tokens
        self._local_lists = local_lists
        self._slots = asyncio.Semaphore(concurrency)
        self._client = client
        self._store = store
        self._desired = desired
        self._records = records
        self._owns = owns
        self._interval = interval_seconds
        self._stale = stale_seconds
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ---------------------------------------------------------------- triggers

    def trigger(self, station_id: str) -> None:
        """Reconcile ``station_id`` soon, in the background; one pass per station at a time."""
        if station_id in self._running:
            self._again.add(station_id)
            return
        self._running.add(station_id)
        task = asyncio.get_running_loop().create_task(self._passes(station_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _passes(self, station_id: str) -> None:
        failures = 0
        try:
            while True:
                self._again.discard(station_id)
                try:
                    # Bounded: a fleet-wide change must not take every Redis connection from the
                    # station updates (nor wait for one past the pool's timeout).
                    async with self._slots:
                        await self.reconcile(station_id)
                except (RedisError, OSError, PublishError) as error:
                    failures += 1
                    logger.warning(
                        "reconcile failed",
                        extra={"station_id": station_id, "error": str(error), "attempt": failures},
                    )
                    if failures >= RETRIES:
                        return  # the timer comes back to it: nothing is lost but time
                    await asyncio.sleep(RETRY_DELAY_SECONDS * failures)
                    self._again.add(station_id)
                if station_id not in self._again:
                    return
        finally:
            self._running.discard(station_id)

    def on_connect(self, station_id: str) -> None:
        """A station connected: reconcile it; one with a desired local list is asked its version again."""
        if self._local_lists is None:
            self.trigger(station_id)
            return
        task = asyncio.get_running_loop().create_task(self._connected(station_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connected(self, station_id: str) -> None:
        try:
            if self._local_lists is not None and await self._local_lists.has_list(station_id):
                shadow = await self._store.get_shadow(station_id)
                desired = ((shadow or {}).get("state") or {}).get("desired") or {}
                if LOCAL_AUTH_LIST in desired:
                    # It may have lost or changed its list while away: GetLocalListVersion first.
                    forget = {LOCAL_AUTH_LIST: {"version": None, "checkedFor": None, "limitsChecked": None}}
                    await self._report(station_id, forget, None)
                    await self._desired.mark_pending(station_id)
                else:
                    await self._local_lists.forget(station_id)
        except (RedisError, OSError) as error:
            logger.warning("local list check skipped", extra={"station_id": station_id, "error": str(error)})
        self.trigger(station_id)

    def on_command(self, station_id: str, command: JsonObject) -> None:
        """A command record changed: a final one for a reconciler action may free the station; an
        answered GetConfiguration / GetVariables says what the station's configuration is."""
        if command.get("action") in RECONCILER_ACTIONS and command.get("state") in FINAL_STATES:
            self.trigger(station_id)
        patch = reported_configuration(command)
        if patch:
            task = asyncio.get_running_loop().create_task(
                self._report_values(station_id, patch, str(command.get("messageId")))
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _report_values(self, station_id: str, patch: JsonObject, message_id: str) -> None:
        try:
            await self._report(station_id, patch, f"report-{message_id}")
        except (RedisError, OSError) as error:
            logger.warning("configuration report lost", extra={"station_id": station_id, "error": str(error)})
            return
        logger.info(
            "configuration reported",
            extra={"station_id": station_id, "message_id": message_id, "keys": len(patch["configuration"])},
        )
        await self._configuration_changed(station_id)

    def on_reported_configuration(self, station_id: str) -> None:
        """The station reported configuration values itself (NotifyReport), already written."""
        task = asyncio.get_running_loop().create_task(self._configuration_changed(station_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _configuration_changed(self, station_id: str) -> None:
        # A value that drifted from the desired one is work again; one that matches is in sync.
        try:
            await self._desired.mark_pending(station_id)
        except (RedisError, OSError) as error:
            logger.warning("reconcile mark skipped", extra={"station_id": station_id, "error": str(error)})
            return
        self.trigger(station_id)

    async def run(self, stopping: asyncio.Event) -> None:
        """The timer: at start (a restarted replica picks up at once what a killed one left), then
        every interval, a pass over this replica's stations with work left."""
        while not stopping.is_set():
            try:
                async for station_id in self._desired.pending():
                    if self._owns(station_id):
                        self.trigger(station_id)
            except (RedisError, OSError) as error:
                logger.warning("reconcile timer skipped", extra={"error": str(error)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._interval)
                return

    # -------------------------------------------------------------------- pass

    async def reconcile(self, station_id: str) -> str:
        """One pass: resolve the call in flight, if any, then send the next call; the outcome."""
        outcome = await self._pass(station_id)
        RECONCILE_PASSES.labels(outcome).inc()
        return outcome

    async def _pass(self, station_id: str) -> str:
        marker = await self._desired.marker(station_id)
        if marker is not None:
            resolved = await self._resolve(station_id, marker)
            if resolved is not None:
                return resolved
        elif not await self._desired.is_pending(station_id):
            # Most connects and boots: a station with nothing desired costs two reads, no more.
            return "idle"
        station = await self._store.get_station(station_id)
        if station is None:
            await self._desired.settled(station_id)
            return "unregistered"
        connection = station.get("connection") or {}
        if not station.get("connected") or not connection.get("protocol"):
            return "offline"
        shadow = await self._store.get_shadow(station_id)
        state = (shadow or {}).get("state") or {}
        if (state.get("reported") or {}).get("registrationStatus") != "Accepted":
            # OCPP: nothing is sent before the station's boot was accepted; its BootNotification
            # triggers a pass. A station that booted before and only reconnects is served at once.
            return "not_booted"
        protocol = str(connection["protocol"]).removeprefix("ocpp")
        desired = state.get("desired") or {}
        plan = plan_next(
            desired,
            state.get("reported") or {},
            protocol,
            request_id=secrets.randbelow(2**31 - 1) + 1,
            now_iso=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            local_list=await self._local_list_input(
                station_id, desired.get(LOCAL_AUTH_LIST), state.get("reported") or {}
            ),
        )
        if plan.local_statuses:
            await self._report(station_id, plan.local_statuses, None)
        call = plan.call
        if call is None:
            if await self._desired.settled(station_id) and self._events is not None:
                # Refused keys stay in the delta (never retried): the event says which, if any.
                delta = delta_of(desired, state.get("reported") or {})
                payload: JsonObject = {"shadowVersion": (shadow or {}).get("version"), "delta": delta}
                await self._events.append(EventType.DESIRED_IN_SYNC, station_id, payload)
            return "in_sync"
        frame = Call(new_message_id(), call.action, call.payload)
        marker = {
            "messageId": frame.message_id,
            "action": call.action,
            "property": call.property,
            "items": call.items,
            "sentAt": time.time(),
        }
        if call.action == SEND_LOCAL_LIST:
            # What the station holds once it accepts this: folded into local-list:{cp} on the answer.
            marker["request"] = call.payload
            marker["protocol"] = protocol
        if not await self._desired.mark(station_id, marker):
            return "waiting"
        if call.before:
            # Before the call: a notification about it can then only land on top of this.
            await self._report(station_id, call.before, f"request-{frame.message_id}")
        await send_call(self._client, self._records, station_id, frame, protocol, origin="reconciler")
        logger.info(
            "reconcile call sent",
            extra={
                "station_id": station_id,
                "message_id": frame.message_id,
                "action": call.action,
                "keys": len(call.items),
            },
        )
        return "sent"

    async def _resolve(self, station_id: str, marker: JsonObject) -> str | None:
        """Fold a finished call into reported and free the station (None), or say why not yet."""
        message_id = str(marker["messageId"])
        command = await self._records.get_command(message_id)
        if command is None or command.get("state") not in FINAL_STATES:
            if time.time() - float(marker.get("sentAt", 0)) < self._stale:
                return "waiting"
            # No outcome for longer than any call may take: the call never reached a gateway.
            await self._desired.unmark(station_id, message_id)
            logger.warning(
                "reconcile call lost, sending again",
                extra={"station_id": station_id, "message_id": message_id},
            )
            return None
        patch = results_of(marker, command)
        statuses = call_statuses(marker, patch)
        if marker["action"] == SEND_LOCAL_LIST and statuses.get("version") == "Accepted":
            await self._keep_local_list(station_id, marker)
        if patch:
            await self._report(station_id, patch, f"reconcile-{message_id}")
            for status in statuses.values():
                RECONCILE_RESULTS.labels(marker["property"], status_label(status)).inc()
        await self._desired.unmark(station_id, message_id)
        logger.info(
            "reconcile call finished",
            extra={
                "station_id": station_id,
                "message_id": message_id,
                "state": command.get("state"),
                "statuses": statuses,
            },
        )
        return None

    async def _local_list_input(
        self, station_id: str, wanted: object, reported: JsonObject
    ) -> LocalListInput | None:
        """The desired list's tokens and what the station holds, when a list is desired. The token
        store is read only when a list goes out (a group has no index: every record is read)."""
        if not isinstance(wanted, dict) or self._tokens is None or self._local_lists is None:
            return None
        source = str(wanted.get("source"))
        await self._local_lists.remember(station_id)
        if not needs_tokens(wanted, reported):
            return LocalListInput([], None, datetime.now(UTC))
        records = await self._tokens.all()
        if source.startswith("group:"):
            group = source.removeprefix("group:")
            records = [record for record in records if record.get("groupIdToken") == group]
        return LocalListInput(records, await self._local_lists.get(station_id), datetime.now(UTC))

    async def _keep_local_list(self, station_id: str, marker: JsonObject) -> None:
        """Before the answer is folded: a crash after this repeats it, which changes nothing."""
        if self._local_lists is None:
            return
        kept = await self._local_lists.get(station_id)
        request = marker.get("request") or {}
        await self._local_lists.put(station_id, kept_after(kept, request, marker.get("protocol") == "1.6"))

    async def _report(self, station_id: str, patch: JsonObject, client_token: str | None) -> None:
        request = ShadowUpdateRequest(station_id, patch, client_token, int(time.time()))
        await self._store.apply_update(request)
