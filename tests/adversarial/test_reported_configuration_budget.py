"""Attack: a 2.0.1 station answers GetBaseReport with report parts full of invented variables, to
make the shadow service store configuration keys without bound (issue 15, NotifyReport values).

Bounds: at most 256 keys per part (the handler), at most SHADOW_MAX_REPORTED_CONFIGURATION (512) keys
under ``reported.configuration`` (the shadow service: the oldest that are not desired make room,
counted in ``csms_shadow_budget_rejections_total{reason="map_entries"}``); a desired key's reported
value is never evicted, so the station stays in sync and is not sent its configuration again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests

from tests.support.api import Api
from tests.support.desired_stations import connected, patch_desired, request_base_report, shadow_where
from tests.support.system import System

pytestmark = pytest.mark.e2e

PARTS = 3
ITEMS_PER_PART = 300
PER_PART = 256
KEPT = 512


def map_entry_evictions(system: System) -> float:
    url = f"{system.processes['shadow'].admin_url}/metrics"
    for line in requests.get(url, timeout=5).text.splitlines():
        if line.startswith('csms_shadow_budget_rejections_total{reason="map_entries"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def invented(part: int) -> list[dict[str, Any]]:
    return [
        {
            "component": {"name": f"Invented{part}"},
            "variable": {"name": f"V{item}"},
            "variableAttribute": [{"value": "x" * 100}],
        }
        for item in range(ITEMS_PER_PART)
    ]


def test_report_parts_cannot_grow_reported_configuration_without_bound(
    api: Api, system: System, registered: str
) -> None:
    patch_desired(api, registered, {"configuration": {"OCPPCommCtrlr.HeartbeatInterval": "120"}})

    async def scenario() -> None:
        async with connected(system, registered, "2.0.1") as station:
            await shadow_where(api, registered, lambda s: "configuration" in s["reported"])
            before = map_entry_evictions(system)
            station.report_parts = [invented(part) for part in range(PARTS)]
            await request_base_report(api, registered, 9)
            state = await shadow_where(
                api,
                registered,
                lambda s: (s["reported"].get("lastReport") or {}).get("seqNo") == PARTS - 1,
            )
            configuration = state["reported"]["configuration"]
            evicted = map_entry_evictions(system) - before
            print(
                f"reported {PARTS * ITEMS_PER_PART} invented keys: kept {len(configuration)} "
                f"(budget {KEPT}), evicted {evicted:.0f}"
            )
            assert len(configuration) == KEPT
            assert configuration["OCPPCommCtrlr.HeartbeatInterval"] == "120"
            # 256 of each part, plus the desired key, minus what was kept.
            assert evicted >= PARTS * PER_PART + 1 - KEPT
            assert not any(key.startswith(f"Invented{PARTS - 1}.V{PER_PART}") for key in configuration)
            assert "delta" not in state
            assert [action for action, _ in station.calls].count("SetVariables") == 1

    asyncio.run(scenario())
