"""Stations with configurable answers to the reconciler's calls, and helpers for desired state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as call_result201

from tests.support.api import Api
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, Station201, booted
from tests.support.system import System

REFUSED = "Refused"
"""A key (1.6) or variable name (2.0.1) the test stations refuse."""


class ConfigurableStation16(Station16):
    """Takes every ChangeConfiguration except key ``Refused``, and ChangeAvailability."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @on("ChangeConfiguration")
    async def on_change_configuration(self, **payload: Any) -> call_result16.ChangeConfiguration:
        self.calls.append(("ChangeConfiguration", payload))
        return call_result16.ChangeConfiguration(
            status="Rejected" if payload["key"] == REFUSED else "Accepted"
        )

    @on("ChangeAvailability")
    async def on_change_availability(self, **payload: Any) -> call_result16.ChangeAvailability:
        self.calls.append(("ChangeAvailability", payload))
        return call_result16.ChangeAvailability(status="Scheduled")


class ConfigurableStation201(Station201):
    """Takes every variable except one named ``Refused`` (UnknownVariable) and every local list
    (holding version 0 when asked); answers GetBaseReport with one NotifyReport per entry of
    ``report_parts`` (reportData lists, camelCase)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.report_parts: list[list[dict[str, Any]]] = [[]]
        self.reporting: asyncio.Task[None] | None = None

    @on("GetLocalListVersion")
    async def on_get_local_list_version(self, **payload: Any) -> call_result201.GetLocalListVersion:
        self.calls.append(("GetLocalListVersion", payload))
        return call_result201.GetLocalListVersion(version_number=0)

    @on("SendLocalList")
    async def on_send_local_list(self, **payload: Any) -> call_result201.SendLocalList:
        self.calls.append(("SendLocalList", payload))
        return call_result201.SendLocalList(status="Accepted")

    @on("GetBaseReport")
    async def on_get_base_report(self, **payload: Any) -> call_result201.GetBaseReport:
        self.calls.append(("GetBaseReport", payload))
        return call_result201.GetBaseReport(status="Accepted")

    @after("GetBaseReport")
    async def send_report(self, **payload: Any) -> None:
        # After the answer, as a station does; in the background, so the answer is not held up.
        task = asyncio.get_running_loop().create_task(self._report(payload["request_id"]))
        self.reporting = task

    async def _report(self, request_id: int) -> None:
        parts = self.report_parts
        for seq_no, part in enumerate(parts):
            await self.call(
                call201.NotifyReport(
                    request_id=request_id,
                    generated_at="2026-12-03T10:00:00Z",
                    seq_no=seq_no,
                    tbc=seq_no < len(parts) - 1,
                    report_data=part,
                )
            )

    @on("SetVariables")
    async def on_set_variables(self, **payload: Any) -> call_result201.SetVariables:
        self.calls.append(("SetVariables", payload))
        return call_result201.SetVariables(
            set_variable_result=[
                {
                    "attribute_type": item.get("attribute_type", "Actual"),
                    "attribute_status": "UnknownVariable"
                    if item["variable"]["name"] == REFUSED
                    else "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["set_variable_data"]
            ]
        )

    @on("ChangeAvailability")
    async def on_change_availability(self, **payload: Any) -> call_result201.ChangeAvailability:
        self.calls.append(("ChangeAvailability", payload))
        return call_result201.ChangeAvailability(status="Accepted")


@contextlib.asynccontextmanager
async def connected(system: System, station_id: str, version: str) -> AsyncIterator[Any]:
    kind = ConfigurableStation16 if version == "1.6" else ConfigurableStation201
    async with booted(system.gateway_url, station_id, version, kind) as station:
        yield station


def patch_desired(api: Api, station_id: str, desired: Any) -> Any:
    response = api.request(
        "PATCH", f"/charge-points/{station_id}/shadow", json={"state": {"desired": desired}}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def shadow_where(api: Api, station_id: str, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Poll until ``predicate(state)`` holds; the shadow's ``state`` (reported, desired, delta)."""

    async def matching() -> dict[str, Any] | NotYet:
        shadow: dict[str, Any] = (await api.aget(f"/charge-points/{station_id}/shadow")).json()
        state: dict[str, Any] = shadow["state"]
        return state if predicate(state) else NotYet(shadow)

    return await wait_until_async(matching, timeout, message=f"{station_id}'s shadow matched")


async def request_base_report(api: Api, station_id: str, request_id: int) -> None:
    """An operator's GetBaseReport (FullInventory): the station answers with its ``report_parts``."""
    response = await api.arequest(
        "POST",
        f"/charge-points/{station_id}/commands/GetBaseReport",
        json={"requestId": request_id, "reportBase": "FullInventory"},
    )
    assert response.status_code == 202, response.text
