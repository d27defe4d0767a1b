"""The baseline: a single-process CSMS written directly on the ocpp library, as a user would.

``ocpp.v201.ChargePoint`` / ``ocpp.v16.ChargePoint`` subclasses with ``@on`` handlers, served by
``websockets.serve``: BootNotification (Accepted), Heartbeat, StatusNotification, TransactionEvent
(1.6: StartTransaction/StopTransaction), MeterValues and Authorize. No registry, no storage, no
broker: what the load generator measures against it is the cost of the ocpp library and websockets
alone. ``--redis URL`` turns it into the second baseline: the same plus the Redis writes a user would
add per call (bench/baseline_records.py). ``--api-port`` adds a minimal
``POST /remote-start-transaction`` endpoint (the same body as the remote-api's) so the remote-start
probe can run against the baseline too.

    .venv/bin/python -m bench.baseline --port 9500 [--api-port 9501] [--redis redis://127.0.0.1:6390/0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from redis.asyncio import BlockingConnectionPool, Redis
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from bench import net
from bench.baseline_records import StationRecords, energy_of

logger = logging.getLogger("bench.baseline")

HEARTBEAT_INTERVAL = 300
REDIS_CONNECTIONS = 32
_transaction_ids = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Csms201(ChargePoint201):  # type: ignore[misc]
    """OCPP 2.0.1 station-initiated calls, all accepted (and recorded when ``records`` is set)."""

    records: StationRecords | None = None

    @on("BootNotification")  # type: ignore[untyped-decorator]
    async def on_boot_notification(self, charging_station: dict[str, Any], reason: str, **kwargs: Any) -> Any:
        time = now()
        if self.records:
            vendor, model = charging_station.get("vendor_name", ""), charging_station.get("model", "")
            await self.records.boot(self.id, vendor, model, time)
        return result201.BootNotification(current_time=time, interval=HEARTBEAT_INTERVAL, status="Accepted")

    @on("Heartbeat")  # type: ignore[untyped-decorator]
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        time = now()
        if self.records:
            await self.records.heartbeat(self.id, time)
        return result201.Heartbeat(current_time=time)

    @on("StatusNotification")  # type: ignore[untyped-decorator]
    async def on_status_notification(
        self, connector_status: str, evse_id: int, connector_id: int, **kwargs: Any
    ) -> Any:
        if self.records:
            await self.records.connector_status(self.id, evse_id, connector_id, connector_status)
        return result201.StatusNotification()

    @on("TransactionEvent")  # type: ignore[untyped-decorator]
    async def on_transaction_event(
        self, event_type: str, transaction_info: dict[str, Any], seq_no: int, timestamp: str, **kwargs: Any
    ) -> Any:
        if self.records:
            fields: dict[str, str | int] = {"state": event_type, "seq_no": seq_no, "updated": timestamp}
            energy = energy_of(kwargs.get("meter_value", []))
            if energy is not None:
                fields["energy_wh"] = energy
            await self.records.transaction(self.id, str(transaction_info["transaction_id"]), fields)
        if "id_token" in kwargs:
            return result201.TransactionEvent(id_token_info={"status": "Accepted"})
        return result201.TransactionEvent()

    @on("MeterValues")  # type: ignore[untyped-decorator]
    async def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]], **kwargs: Any) -> Any:
        if self.records:
            await self.records.meter(self.id, energy_of(meter_value), now())
        return result201.MeterValues()

    @on("Authorize")  # type: ignore[untyped-decorator]
    async def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> Any:
        return result201.Authorize(id_token_info={"status": "Accepted"})

    async def remote_start(self, id_tag: str, connector_id: int, remote_start_id: int) -> None:
        await self.call(
            call201.RequestStartTransaction(
                id_token={"id_token": id_tag, "type": "ISO14443"},
                remote_start_id=remote_start_id,
                evse_id=connector_id,
            )
        )


class Csms16(ChargePoint16):  # type: ignore[misc]
    """OCPP 1.6 station-initiated calls, all accepted (and recorded when ``records`` is set)."""

    records: StationRecords | None = None

    @on("BootNotification")  # type: ignore[untyped-decorator]
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> Any:
        time = now()
        if self.records:
            await self.records.boot(self.id, charge_point_vendor, charge_point_model, time)
        return result16.BootNotification(current_time=time, interval=HEARTBEAT_INTERVAL, status="Accepted")

    @on("Heartbeat")  # type: ignore[untyped-decorator]
    async def on_heartbeat(self, **kwargs: Any) -> Any:
        time = now()
        if self.records:
            await self.records.heartbeat(self.id, time)
        return result16.Heartbeat(current_time=time)

    @on("StatusNotification")  # type: ignore[untyped-decorator]
    async def on_status_notification(self, connector_id: int, status: str, **kwargs: Any) -> Any:
        if self.records:
            await self.records.connector_status(self.id, 0, connector_id, status)
        return result16.StatusNotification()

    @on("StartTransaction")  # type: ignore[untyped-decorator]
    async def on_start_transaction(self, id_tag: str, meter_start: int, timestamp: str, **kwargs: Any) -> Any:
        transaction_id = next(_transaction_ids)
        if self.records:
            fields: dict[str, str | int] = {"state": "Started", "id_tag": id_tag, "energy_wh": meter_start}
            await self.records.transaction(self.id, str(transaction_id), {**fields, "updated": timestamp})
        return result16.StartTransaction(transaction_id=transaction_id, id_tag_info={"status": "Accepted"})

    @on("StopTransaction")  # type: ignore[untyped-decorator]
    async def on_stop_transaction(
        self, transaction_id: int, meter_stop: int, timestamp: str, **kwargs: Any
    ) -> Any:
        if self.records:
            fields: dict[str, str | int] = {"state": "Ended", "energy_wh": meter_stop, "updated": timestamp}
            await self.records.transaction(self.id, str(transaction_id), fields)
        return result16.StopTransaction()

    @on("MeterValues")  # type: ignore[untyped-decorator]
    async def on_meter_values(self, meter_value: list[dict[str, Any]], **kwargs: Any) -> Any:
        if self.records:
            await self.records.meter(self.id, energy_of(meter_value), now())
        return result16.MeterValues()

    @on("Authorize")  # type: ignore[untyped-decorator]
    async def on_authorize(self, id_tag: str, **kwargs: Any) -> Any:
        return result16.Authorize(id_tag_info={"status": "Accepted"})

    async def remote_start(self, id_tag: str, connector_id: int, remote_start_id: int) -> None:
        await self.call(call16.RemoteStartTransaction(id_tag=id_tag, connector_id=connector_id))


class Baseline:
    """Accepts any station id; one ChargePoint object per connection."""

    def __init__(self, records: StationRecords | None = None) -> None:
        self.records = records
        self.stations: dict[str, Csms201 | Csms16] = {}
        self._remote_start_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else "/"
        station_id = path.strip("/").split("/")[-1] or "unknown"
        station: Csms201 | Csms16
        if connection.subprotocol == "ocpp1.6":
            station = Csms16(station_id, connection)
        else:
            station = Csms201(station_id, connection)
        station.records = self.records
        self.stations[station_id] = station
        if self.records:
            await self.records.connection(station_id, True, now())
        try:
            await station.start()
        except Exception:  # noqa: BLE001 - the connection ended (ConnectionClosed) or the library failed
            logger.debug("station %s disconnected", station_id)
        finally:
            if self.stations.get(station_id) is station:
                del self.stations[station_id]
            if self.records:
                await self.records.connection(station_id, False, now())

    def remote_start(self, station_id: str, id_tag: str, connector_id: int) -> tuple[int, dict[str, Any]]:
        station = self.stations.get(station_id)
        if station is None:
            return 409, {"error": f"Charge point not connected: {station_id}"}
        remote_start_id = next(self._remote_start_ids)
        task = asyncio.get_running_loop().create_task(
            station.remote_start(id_tag, connector_id, remote_start_id)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 200, {
            "message": "RequestStartTransaction command sent successfully",
            "chargePointId": station_id,
            "remoteStartId": remote_start_id,
        }

    async def serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Minimal keep-alive HTTP/1.1: POST /remote-start-transaction with a JSON body."""
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                status, answer = self._route(method, path, body)
                data = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    "Connection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if method != "POST" or path.split("?")[0] != "/remote-start-transaction":
            return 404, {"error": "not found"}
        try:
            request = json.loads(body)
            station_id = str(request["chargePointId"])
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "Missing required parameter: chargePointId"}
        return self.remote_start(
            station_id, str(request.get("idTag", "")), int(request.get("connectorId", 1))
        )


async def serve_baseline(
    host: str,
    port: int,
    api_port: int | None,
    ready: asyncio.Event | None = None,
    redis_url: str | None = None,
) -> None:
    # A blocking pool, as a user learns to write: redis-py's default pool raises "Too many connections"
    # past 100 concurrent commands instead of waiting (200 stations in closed loop get there).
    pool = (
        BlockingConnectionPool.from_url(redis_url, max_connections=REDIS_CONNECTIONS) if redis_url else None
    )
    redis = Redis(connection_pool=pool) if pool else None
    baseline = Baseline(StationRecords(redis) if redis else None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    http_server = await asyncio.start_server(baseline.serve_http, host, api_port) if api_port else None
    async with serve(
        baseline.handle,
        host,
        port,
        subprotocols=[Subprotocol("ocpp2.0.1"), Subprotocol("ocpp1.6")],
        max_size=2**20,
    ):
        print(
            f"baseline CSMS listening on ws://{host}:{port}" + (f", API on :{api_port}" if api_port else "")
        )
        sys.stdout.flush()
        if ready is not None:
            ready.set()
        await stop.wait()
    if http_server is not None:
        http_server.close()
    if redis is not None:
        await redis.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.baseline",
        description="Baseline CSMS on the ocpp library's ChargePoint (2.0.1 and 1.6), accepting everything.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (loopback only) [127.0.0.1]")
    parser.add_argument("--port", type=int, default=9500, help="WebSocket port [9500]")
    parser.add_argument("--api-port", type=int, help="also serve POST /remote-start-transaction on this port")
    parser.add_argument(
        "--redis", help="the second baseline: also write station state to this Redis (loopback only)"
    )
    parser.add_argument("--log-level", default="warning", help="Python logging level [warning]")
    arguments = parser.parse_args(argv)
    try:
        host = net.require_loopback_host(arguments.host)
    except net.NotLoopback as error:
        parser.error(str(error))
    logging.basicConfig(level=arguments.log_level.upper())
    if arguments.redis:
        try:
            net.require_loopback_host(urlsplit(arguments.redis).hostname or "")
        except net.NotLoopback as error:
            parser.error(str(error))
    asyncio.run(serve_baseline(host, arguments.port, arguments.api_port, redis_url=arguments.redis))
    return 0


if __name__ == "__main__":
    sys.exit(main())
