"""Stations running OCPP 2.0.1 transactions the way a real one must: every call retried, with the
same message id, until it is answered; reconnecting when the gateway goes away. Afterwards the
records the CSMS stored are compared with what was sent, event by event (seqNo)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import websockets
from ocpp.v201 import call as call201
from websockets.asyncio.client import ClientConnection

from tests.support.api import Api
from tests.support.polling import wait_until, wait_until_async

EVENTS_PER_TRANSACTION = 4
"""Started, two Updated with meter values, Ended."""


def transaction_events(transaction_id: str, clock: int) -> list[dict[str, Any]]:
    """The TransactionEvent payloads of one transaction, seqNo 0-3, distinct timestamps."""
    events = []
    for seq_no, (event_type, trigger) in enumerate(
        (
            ("Started", "Authorized"),
            ("Updated", "MeterValuePeriodic"),
            ("Updated", "MeterValuePeriodic"),
            ("Ended", "StopAuthorized"),
        )
    ):
        timestamp = (
            f"2024-01-01T{(clock // 3600) % 24:02d}:{(clock // 60) % 60:02d}:{clock % 60:02d}.{seq_no:03d}Z"
        )
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": timestamp,
            "triggerReason": trigger,
            "seqNo": seq_no,
            "transactionInfo": {"transactionId": transaction_id},
            "evse": {"id": 1, "connectorId": 1},
        }
        if seq_no > 0:
            payload["meterValue"] = [{"timestamp": timestamp, "sampledValue": [{"value": 1000.0 * seq_no}]}]
        events.append(payload)
    return events


@dataclass
class StationRun:
    """One station's side of the story: what it sent and how often it had to retry."""

    station_id: str
    transactions: list[str] = field(default_factory=list)
    messages: int = 0
    retries: int = 0
    reconnects: int = 0
    errors: int = 0


class RetryingStation:
    """A 2.0.1 station: one call at a time, retried with the same id until a CallResult comes."""

    def __init__(
        self,
        station_id: str,
        gateways: Callable[[], list[str]],
        answer_timeout: float,
        first_gateway: int = 0,
        pause: float = 0.2,
        subprotocol: str = "ocpp2.0.1",
    ) -> None:
        self.run = StationRun(station_id)
        self._gateways = gateways
        self._answer_timeout = answer_timeout
        self._ws: ClientConnection | None = None
        self._attempt = first_gateway
        self._pause = pause
        self._subprotocol = subprotocol

    async def _connection(self) -> ClientConnection:
        while self._ws is None:
            urls = self._gateways()
            url = urls[self._attempt % len(urls)]
            self._attempt += 1
            try:
                self._ws = await websockets.connect(
                    f"{url}/{self.run.station_id}", subprotocols=[self._subprotocol], open_timeout=5
                )
            except (OSError, websockets.InvalidStatus, websockets.InvalidHandshake, TimeoutError):
                await asyncio.sleep(0.3)
        return self._ws

    async def _drop_connection(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        self._ws = None
        self.run.reconnects += 1

    async def call(self, message_id: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        frame = json.dumps([2, message_id, action, payload])
        first = True
        while True:
            if not first:
                self.run.retries += 1
            first = False
            ws = await self._connection()
            try:
                await ws.send(frame)
                deadline = asyncio.get_running_loop().time() + self._answer_timeout
                while True:
                    remaining = deadline - asyncio.get_running_loop().time()
                    reply = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, remaining)))
                    if reply[0] in (3, 4) and reply[1] == message_id:
                        break
            except TimeoutError:
                continue  # unanswered: send the same call again
            except websockets.ConnectionClosed:
                await self._drop_connection()
                continue
            if reply[0] == 3:
                return dict(reply[2])
            self.run.errors += 1
            await asyncio.sleep(0.3)  # a CallError (CSMS busy or away): retry the same call

    async def transactions(self, stop: asyncio.Event, clock_base: int) -> StationRun:
        """Boot, then run whole transactions until ``stop`` is set."""
        await self.call(f"{self.run.station_id}-boot", "BootNotification", _boot())
        number = 0
        while not stop.is_set():
            transaction_id = f"{self.run.station_id}-tx{number}"
            for event in transaction_events(transaction_id, clock_base + number):
                await self.call(f"{transaction_id}-{event['seqNo']}", "TransactionEvent", event)
                self.run.messages += 1
            self.run.transactions.append(transaction_id)
            number += 1
            await asyncio.sleep(self._pause)  # a charging session is not back to back
        await self.close()
        return self.run

    async def transactions_16(self, stop: asyncio.Event, clock_base: int) -> StationRun:
        """The same for an OCPP 1.6 station: StartTransaction, MeterValues, StopTransaction. The CSMS
        assigns the transaction id; a StartTransaction sent again with its message id must get the same."""
        station_id = self.run.station_id
        await self.call(
            f"{station_id}-boot", "BootNotification", {"chargePointModel": "M", "chargePointVendor": "V"}
        )
        number = 0
        while not stop.is_set():
            prefix = f"{station_id}-tx{number}"
            clock = clock_base + number
            timestamp = f"2024-01-01T{(clock // 3600) % 24:02d}:{(clock // 60) % 60:02d}:{clock % 60:02d}Z"
            start = {"connectorId": 1, "idTag": "ANY", "meterStart": 0, "timestamp": timestamp}
            transaction_id = (await self.call(f"{prefix}-start", "StartTransaction", start))["transactionId"]
            meter = [{"timestamp": timestamp, "sampledValue": [{"value": "500"}]}]
            await self.call(
                f"{prefix}-meter",
                "MeterValues",
                {"connectorId": 1, "transactionId": transaction_id, "meterValue": meter},
            )
            stop_call = {
                "transactionId": transaction_id,
                "meterStop": 1000,
                "timestamp": timestamp,
                "reason": "Local",
            }
            await self.call(f"{prefix}-stop", "StopTransaction", stop_call)
            self.run.messages += 3
            self.run.transactions.append(str(transaction_id))
            number += 1
            await asyncio.sleep(self._pause)
        await self.close()
        return self.run

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._ws = None


def _boot() -> dict[str, Any]:
    return {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}


@dataclass(frozen=True)
class Tally:
    """Sent against stored, over every station."""

    stations: int
    transactions: int
    messages: int
    lost: int
    duplicated: int
    retries: int
    problems: list[str] = field(default_factory=list)
    """The first records that were lost, out of order or duplicated, for the failure message."""

    def line(self, label: str) -> str:
        return (
            f"{label}: stations {self.stations}, transactions {self.transactions}, "
            f"messages {self.messages}, lost {self.lost}, duplicated {self.duplicated} "
            f"(station retries {self.retries})"
        )


def events_check(record: dict[str, Any] | None) -> tuple[int, int]:
    """A 2.0.1 record against the four events sent: (lost, duplicated). A seqNo missing from its log
    is lost, one logged twice duplicated; a record not Ended counts as one more lost (out of order)."""
    seq_nos = [event["seqNo"] for event in (record or {}).get("events", [])]
    missing = sum(1 for seq_no in range(EVENTS_PER_TRANSACTION) if seq_no not in seq_nos)
    out_of_order = record is not None and record.get("status") != "Ended"
    return missing + (1 if out_of_order else 0), len(seq_nos) - len(set(seq_nos))


def ended_check(record: dict[str, Any] | None) -> tuple[int, int]:
    """A 1.6 record of a completed transaction (it keeps no event log): lost unless there and Ended."""
    return (0 if record is not None and ended(record) else 1), 0


def tally(
    runs: list[StationRun],
    stored: dict[str, list[dict[str, Any]]],
    check: Callable[[dict[str, Any] | None], tuple[int, int]] = events_check,
) -> Tally:
    """Compare what each station completed with its records (``check``: 2.0.1 events, or
    ``ended_check`` for 1.6); a record the station never completed counts as duplicated too (for 1.6:
    a StartTransaction applied twice under new ids)."""
    lost = duplicated = 0
    problems: list[str] = []
    for run in runs:
        records = {record["transactionId"]: record for record in stored.get(run.station_id, [])}
        for transaction_id in run.transactions:
            record = records.pop(transaction_id, None)
            missing, twice = check(record)
            lost += missing
            duplicated += twice
            if (missing or twice) and len(problems) < 5:
                problems.append(f"{run.station_id} {transaction_id}: {record}")
        # A station finishes the transaction it is in before it stops: any other record is extra.
        duplicated += len(records)
        problems.extend(f"{run.station_id} extra: {record}" for record in list(records.values())[:2])
    return _tally_of(runs, lost, duplicated, problems[:5])


def _tally_of(runs: list[StationRun], lost: int, duplicated: int, problems: list[str]) -> Tally:
    return Tally(
        stations=len(runs),
        transactions=sum(len(run.transactions) for run in runs),
        messages=sum(run.messages for run in runs),
        lost=lost,
        duplicated=duplicated,
        retries=sum(run.retries for run in runs),
        problems=problems,
    )


def transaction_event_call(event_type: str, seq_no: int, transaction_id: str) -> call201.TransactionEvent:
    """A 2.0.1 TransactionEvent for the ocpp library's client (Started, or anything else as Ended)."""
    return call201.TransactionEvent(
        event_type=event_type,
        timestamp=f"2024-01-01T10:00:0{seq_no}Z",
        trigger_reason="Authorized" if event_type == "Started" else "StopAuthorized",
        seq_no=seq_no,
        transaction_info={"transaction_id": transaction_id},
        evse={"id": 1, "connector_id": 1},
    )


def logged_events(record: dict[str, Any]) -> int:
    """How far a 2.0.1 record got: the events in its log (one per seqNo)."""
    return len(record.get("events", []))


def ended(record: dict[str, Any]) -> int:
    """How far a 1.6 record got (it keeps no event log): 1 once StopTransaction was applied."""
    return 1 if record.get("status") == "Ended" else 0


def stored_records(
    api: Api,
    station_ids: list[str],
    expected: Callable[[str], int],
    progress: Callable[[dict[str, Any]], int] = logged_events,
) -> dict[str, Any]:
    """Every station's transaction records, once the shadow service caught up (the ``progress`` of a
    station's records adds up to ``expected``) or 30 s passed: then what is there, and the tally says
    what is missing."""
    stored: dict[str, Any] = {}

    def caught_up() -> bool:
        for station_id in station_ids:
            response = api.get(f"/charge-points/{station_id}/transactions")
            if response.status_code == 200:
                stored[station_id] = response.json()["transactions"]
        return all(
            sum(progress(record) for record in stored.get(station_id, [])) >= expected(station_id)
            for station_id in station_ids
        )

    with contextlib.suppress(AssertionError):
        wait_until(caught_up, 30, interval=0.3, message="the shadow service recorded everything sent")
    return stored


async def flowing(stations: list[RetryingStation], seconds: float = 60) -> None:
    """Wait until every station has completed a transaction since now: transactions flow."""
    marks = [len(station.run.transactions) for station in stations]
    await wait_until_async(
        lambda: all(len(s.run.transactions) > mark for s, mark in zip(stations, marks, strict=True)),
        seconds,
        interval=0.1,
        message="every station completed a transaction",
    )
