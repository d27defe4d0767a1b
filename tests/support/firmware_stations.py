"""Stations that take UpdateFirmware (1.6: and SignedUpdateFirmware) and then report their progress
Downloading → Downloaded → Installing → ``outcome`` with (Signed)FirmwareStatusNotification."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201

from tests.support.stations import Station16, Station201, booted
from tests.support.system import System

PROGRESS = ("Downloading", "Downloaded", "Installing")


class FirmwareStation16(Station16):
    def __init__(self, *args: Any, outcome: str = "Installed", step_seconds: float = 0.05) -> None:
        super().__init__(*args)
        self.outcome = outcome
        self.step_seconds = step_seconds
        self.updates: list[tuple[str, dict[str, Any]]] = []

    @on("UpdateFirmware")
    async def on_update_firmware(self, **payload: Any) -> call_result16.UpdateFirmware:
        self.updates.append(("UpdateFirmware", payload))
        return call_result16.UpdateFirmware()

    @after("UpdateFirmware")
    async def after_update_firmware(self, **payload: Any) -> None:
        for status in (*PROGRESS, self.outcome):
            await asyncio.sleep(self.step_seconds)
            await self.call(call16.FirmwareStatusNotification(status=status))

    @on("SignedUpdateFirmware")
    async def on_signed_update_firmware(self, **payload: Any) -> call_result16.SignedUpdateFirmware:
        self.updates.append(("SignedUpdateFirmware", payload))
        return call_result16.SignedUpdateFirmware(status="Accepted")

    @after("SignedUpdateFirmware")
    async def after_signed_update_firmware(self, **payload: Any) -> None:
        for status in (*PROGRESS, self.outcome):
            await asyncio.sleep(self.step_seconds)
            await self.call(
                call16.SignedFirmwareStatusNotification(status=status, request_id=payload["request_id"])
            )


class FirmwareStation201(Station201):
    def __init__(
        self, *args: Any, outcome: str = "Installed", step_seconds: float = 0.05, answer: str = "Accepted"
    ) -> None:
        super().__init__(*args)
        self.outcome = outcome
        self.step_seconds = step_seconds
        self.answer = answer
        self.updates: list[tuple[str, dict[str, Any]]] = []

    @on("UpdateFirmware")
    async def on_update_firmware(self, **payload: Any) -> call_result201.UpdateFirmware:
        self.updates.append(("UpdateFirmware", payload))
        return call_result201.UpdateFirmware(status=self.answer)

    @after("UpdateFirmware")
    async def after_update_firmware(self, **payload: Any) -> None:
        if self.answer != "Accepted":
            return
        for status in (*PROGRESS, self.outcome):
            await asyncio.sleep(self.step_seconds)
            await self.call(
                call201.FirmwareStatusNotification(status=status, request_id=payload["request_id"])
            )


@contextlib.asynccontextmanager
async def firmware_station(
    system: System, station_id: str, version: str, **options: Any
) -> AsyncIterator[Any]:
    """A booted station of ``version`` ("1.6" or "2.0.1") running until the block ends."""
    kind = FirmwareStation16 if version == "1.6" else FirmwareStation201
    async with booted(system.gateway_url, station_id, version, functools.partial(kind, **options)) as station:
        yield station
