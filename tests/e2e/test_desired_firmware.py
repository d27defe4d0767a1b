"""Desired firmware (docs/fleet.md): UpdateFirmware to real 1.6 and 2.0.1 stations, their progress
in the shadow, in sync once Installed, failures visible and not sent again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.desired_stations import patch_desired, shadow_where
from tests.support.firmware_stations import firmware_station
from tests.support.system import System

pytestmark = pytest.mark.e2e

WANTED = {"version": "2.1.0", "location": "https://fw.example/2.1.0.bin"}


def _installed(state: dict[str, Any]) -> bool:
    return (
        "delta" not in state and (state["reported"].get("firmwareStatus") or {}).get("status") == "Installed"
    )


def _status(api: Api, label: str) -> dict[str, Any]:
    response = api.get(f"/fleet/status?selector=fw-test%3D{label}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("firmware", "named"),
    [
        ({"version": "1", "location": "ftp://fw.example/x.bin"}, "http:// or https://"),
        ({"version": "1", "location": "file:///etc/passwd"}, "http:// or https://"),
        ({"location": "https://fw.example/x.bin"}, "version"),
        ({"version": "1", "location": "https://fw.example/x.bin", "colour": "red"}, "colour"),
    ],
)
def test_bad_desired_firmware_is_400(api: Api, registered: str, firmware: Any, named: str) -> None:
    response = api.request(
        "PATCH", f"/charge-points/{registered}/shadow", json={"state": {"desired": {"firmware": firmware}}}
    )
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]
    assert "desired" not in api.get(f"/charge-points/{registered}/shadow").json()["state"]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_desired_firmware_is_installed_once(api: Api, system: System, registered: str, version: str) -> None:
    label = uuid.uuid4().hex[:10]
    assert api.request("PATCH", f"/charge-points/{registered}", json={"labels": {"fw-test": label}}).ok
    shadow = patch_desired(api, registered, {"firmware": WANTED})
    assert shadow["state"]["delta"] == {"firmware": WANTED}
    assert _status(api, label)["offline"] == 1

    async def scenario() -> None:
        async with firmware_station(system, registered, version) as station:
            state = await shadow_where(api, registered, _installed)
            firmware = state["reported"]["firmware"]
            assert (firmware["version"], firmware["location"], firmware["answer"]) == (
                "2.1.0",
                WANTED["location"],
                "Accepted",
            )
            assert _status(api, label)["inSync"] == 1
            # Another trigger (a desired change elsewhere) does not send the firmware again.
            patch_desired(api, registered, {"availability": None})
            await asyncio.sleep(1.0)
            assert [action for action, _ in station.updates] == ["UpdateFirmware"]
            payload = station.updates[0][1]
            if version == "1.6":
                assert payload["location"] == WANTED["location"]
            else:
                assert payload["firmware"]["location"] == WANTED["location"]
                assert payload["request_id"] == firmware["requestId"]
                assert state["reported"]["firmwareStatus"]["requestId"] == firmware["requestId"]

    asyncio.run(scenario())


def test_signed_firmware_to_a_16_station(api: Api, system: System, registered: str) -> None:
    signed = {**WANTED, "signature": "c2lnbmF0dXJl", "signingCertificate": "-----BEGIN CERTIFICATE-----"}
    patch_desired(api, registered, {"firmware": signed})

    async def scenario() -> None:
        async with firmware_station(system, registered, "1.6") as station:
            state = await shadow_where(api, registered, _installed)
            assert [action for action, _ in station.updates] == ["SignedUpdateFirmware"]
            payload = station.updates[0][1]
            assert payload["firmware"]["signature"] == "c2lnbmF0dXJl"
            assert payload["request_id"] == state["reported"]["firmware"]["requestId"]
            assert state["reported"]["firmwareStatus"]["requestId"] == payload["request_id"]

    asyncio.run(scenario())


def test_failed_and_refused_updates_are_visible_and_not_sent_again(
    api: Api, system: System, registered: str
) -> None:
    label = uuid.uuid4().hex[:10]
    assert api.request("PATCH", f"/charge-points/{registered}", json={"labels": {"fw-test": label}}).ok
    patch_desired(api, registered, {"firmware": WANTED})

    def failed_with(reason: str) -> Any:
        def check(state: dict[str, Any]) -> bool:
            failing = _status(api, label)["failing"]
            return bool(failing) and failing[0]["reasons"] == {"firmware.version": reason}

        return check

    async def scenario() -> None:
        async with firmware_station(system, registered, "2.0.1", outcome="InstallationFailed") as station:
            state = await shadow_where(api, registered, failed_with("InstallationFailed"))
            assert state["delta"] == {"firmware": WANTED}
            patch_desired(api, registered, {"availability": None})
            await asyncio.sleep(1.0)
            assert len(station.updates) == 1
            # A new location is a new request; this time the station refuses it.
            station.answer = "Rejected"
            moved = {**WANTED, "location": "https://mirror.example/2.1.0.bin"}
            patch_desired(api, registered, {"firmware": moved})
            state = await shadow_where(api, registered, failed_with("Rejected"))
            assert state["reported"]["firmware"]["location"] == moved["location"]
            assert "firmwareStatus" not in state["reported"]  # the previous request's progress is gone
            assert [payload["firmware"]["location"] for _, payload in station.updates] == [
                WANTED["location"],
                moved["location"],
            ]

    asyncio.run(scenario())
