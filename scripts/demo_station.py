"""A demo OCPP 2.0.1 charge point for the README walk-through: boots, reports, accepts remote commands.

Run it beside ``make run``: ``.venv/bin/python scripts/demo_station.py CP001``.
It is played by the ocpp library's own client, so every frame it receives is
checked against the official schemas.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from websockets.typing import Subprotocol


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DemoStation(ChargePoint):  # type: ignore[misc]
    """Accepts remote start/stop (and reports the transaction it starts) and Reset (the docs' command);
    takes every variable
    (SetVariables) except ``*.SecurityProfile``, and every ChangeAvailability (docs/fleet.md)."""

    @on("SetVariables")  # type: ignore[untyped-decorator]
    async def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        results = []
        for item in set_variable_data:
            refused = item["variable"]["name"] == "SecurityProfile"
            print(
                f"station: SetVariables {item['component']['name']}.{item['variable']['name']}"
                f"={item['attribute_value']} → {'Rejected' if refused else 'Accepted'}"
            )
            results.append(
                {
                    "attribute_type": item.get("attribute_type", "Actual"),
                    "attribute_status": "Rejected" if refused else "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return call_result.SetVariables(set_variable_result=results)

    @on("ChangeAvailability")  # type: ignore[untyped-decorator]
    async def on_change_availability(self, operational_status: str, **kwargs: Any) -> Any:
        print(f"station: ChangeAvailability {operational_status} evse={kwargs.get('evse')}")
        return call_result.ChangeAvailability(status="Accepted")

    @on("RequestStartTransaction")  # type: ignore[untyped-decorator]
    async def on_request_start(self, id_token: dict[str, Any], remote_start_id: int, **kwargs: Any) -> Any:
        print(f"station: RequestStartTransaction idToken={id_token} remoteStartId={remote_start_id}")
        asyncio.get_running_loop().create_task(self.start_transaction(id_token, remote_start_id))
        return call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")  # type: ignore[untyped-decorator]
    async def on_request_stop(self, transaction_id: str, **kwargs: Any) -> Any:
        print(f"station: RequestStopTransaction transactionId={transaction_id}")
        asyncio.get_running_loop().create_task(self.end_transaction(transaction_id))
        return call_result.RequestStopTransaction(status="Accepted")

    @on("Reset")  # type: ignore[untyped-decorator]
    async def on_reset(self, type: str, **kwargs: Any) -> Any:
        # Accepted and nothing more: a demo has nothing to restart.
        print(f"station: Reset type={type}")
        return call_result.Reset(status="Accepted")

    async def start_transaction(self, id_token: dict[str, Any], remote_start_id: int) -> None:
        await self.call(
            call.TransactionEvent(
                event_type="Started",
                timestamp=now(),
                trigger_reason="RemoteStart",
                seq_no=0,
                transaction_info={"transaction_id": "123456789", "remote_start_id": remote_start_id},
                evse={"id": 1, "connector_id": 1},
                id_token=id_token,
            )
        )

    async def end_transaction(self, transaction_id: str) -> None:
        await self.call(
            call.TransactionEvent(
                event_type="Ended",
                timestamp=now(),
                trigger_reason="RemoteStop",
                seq_no=1,
                transaction_info={"transaction_id": transaction_id, "stopped_reason": "Remote"},
                evse={"id": 1},
            )
        )


async def run(url: str, station_id: str) -> None:
    subprotocols = [Subprotocol("ocpp2.0.1")]
    async with websockets.connect(f"{url}/{station_id}", subprotocols=subprotocols) as connection:
        station = DemoStation(station_id, connection)
        receiver = asyncio.create_task(station.start())
        boot = await station.call(
            call.BootNotification(
                charging_station={"model": "SmartCharger Pro", "vendor_name": "ACME"}, reason="PowerUp"
            )
        )
        print(f"station: BootNotification → {boot.status}, heartbeat every {boot.interval}s")
        await station.call(
            call.StatusNotification(timestamp=now(), connector_status="Available", evse_id=1, connector_id=1)
        )
        print("station: connected and Available; Ctrl-C to leave")
        await receiver


def main() -> int:
    parser = argparse.ArgumentParser(description="A demo OCPP 2.0.1 charge point.")
    parser.add_argument("station_id", nargs="?", default="CP001")
    parser.add_argument("--url", default="ws://127.0.0.1:9000")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run(arguments.url, arguments.station_id))
    except KeyboardInterrupt:
        pass
    except websockets.ConnectionClosed as closed:
        reason = closed.rcvd.reason if closed.rcvd else "no close frame"
        print(f"station: connection closed by the CSMS: {reason}")
    except websockets.InvalidStatus as error:
        raise SystemExit(f"station: refused at the handshake: HTTP {error.response.status_code}") from error
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
