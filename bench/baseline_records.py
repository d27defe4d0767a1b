"""The Redis writes a user would add to the ocpp-library baseline (``bench.baseline --redis``).

The issue's second baseline "does the same work in one process": the ``ocpp`` library's ChargePoint plus,
per call, what a user storing station state would write, one command each, to a Redis of its own:

* connection status: ``HSET station:{id} connected 1|0 since <time>`` on connect and disconnect;
* last heartbeat: ``HSET station:{id} last_heartbeat <time>`` (Heartbeat);
* connector status: ``HSET station:{id}:connectors <evse>/<connector> <status>`` (StatusNotification);
* transaction records: ``HSET transaction:{id} station … state … seq_no … energy_wh … updated …``
  (TransactionEvent, 1.6 Start/StopTransaction), and the last meter reading,
  ``HSET station:{id} energy_wh … meter_time …`` (MeterValues);
* the boot: ``HSET station:{id} vendor … model … booted …``.

Nothing here validates or reads back: it is the least a user would write, so the comparison is fair to
the baseline. Keys are bounded by the stations and transactions the generator makes.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

ENERGY = "Energy.Active.Import.Register"


def energy_of(meter_value: list[dict[str, Any]]) -> str | None:
    """The last Energy.Active.Import.Register in an ocpp-library (snake_case) meter_value list."""
    found: str | None = None
    for sample in meter_value:
        for value in sample.get("sampled_value", []):
            if value.get("measurand", ENERGY) == ENERGY:
                found = str(value.get("value"))
    return found


class StationRecords:
    """One Redis command per station call; ``redis`` is shared by all connections (one pool)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def connection(self, station_id: str, connected: bool, when: str) -> None:
        await self.redis.hset(f"station:{station_id}", mapping={"connected": int(connected), "since": when})

    async def boot(self, station_id: str, vendor: str, model: str, when: str) -> None:
        await self.redis.hset(
            f"station:{station_id}", mapping={"vendor": vendor, "model": model, "booted": when}
        )

    async def heartbeat(self, station_id: str, when: str) -> None:
        await self.redis.hset(f"station:{station_id}", "last_heartbeat", when)

    async def connector_status(self, station_id: str, evse: int, connector: int, status: str) -> None:
        await self.redis.hset(f"station:{station_id}:connectors", f"{evse}/{connector}", status)

    async def transaction(self, station_id: str, transaction_id: str, fields: dict[str, str | int]) -> None:
        mapping: dict[FieldT, EncodableT] = {"station": station_id}
        for name, value in fields.items():
            mapping[name] = value
        await self.redis.hset(f"transaction:{transaction_id}", mapping=mapping)

    async def meter(self, station_id: str, energy_wh: str | None, when: str) -> None:
        mapping: dict[FieldT, EncodableT] = {"meter_time": when}
        if energy_wh is not None:
            mapping["energy_wh"] = energy_wh
        await self.redis.hset(f"station:{station_id}", mapping=mapping)
