"""Desired local authorization list (docs/fleet.md) with a real 1.6 and a real 2.0.1 station:
GetLocalListVersion first, Full when the station's version is not one we sent, Differential from the
version it holds, a 2.0.1 list longer than ItemsPerMessage and a 1.6 list longer than
SendLocalListMaxLength in parts, a 1.6 list longer than LocalAuthListMaxLength not sent."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import call_result as call_result201

from tests.support.api import Api
from tests.support.desired_stations import patch_desired, shadow_where
from tests.support.polling import NotYet, wait_until_async
from tests.support.stations import Station16, Station201, booted
from tests.support.system import System

pytestmark = pytest.mark.e2e


class ListStation16(Station16):
    """Holds a local list version; takes every SendLocalList whose version is above it. Its
    ``limits`` (SendLocalListMaxLength, LocalAuthListMaxLength) are answered to GetConfiguration
    (recorded in ``asked``, not ``calls``); without limits the keys are unknown."""

    def __init__(self, *args: Any, version: int = 0, limits: dict[str, str] | None = None) -> None:
        super().__init__(*args)
        self.version = version
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.asked: list[dict[str, Any]] = []
        self.limits = limits or {}

    @on("GetConfiguration")
    async def on_get_configuration(self, **payload: Any) -> call_result16.GetConfiguration:
        self.asked.append(payload)
        keys = payload.get("key") or []
        return call_result16.GetConfiguration(
            configuration_key=[
                {"key": key, "readonly": True, "value": self.limits[key]}
                for key in keys
                if key in self.limits
            ],
            unknown_key=[key for key in keys if key not in self.limits],
        )

    @on("GetLocalListVersion")
    async def on_get_version(self, **payload: Any) -> call_result16.GetLocalListVersion:
        self.calls.append(("GetLocalListVersion", payload))
        return call_result16.GetLocalListVersion(list_version=self.version)

    @on("SendLocalList")
    async def on_send(self, **payload: Any) -> call_result16.SendLocalList:
        self.calls.append(("SendLocalList", payload))
        self.version = payload["list_version"]
        return call_result16.SendLocalList(status="Accepted")


class ListStation201(Station201):
    def __init__(self, *args: Any, version: int = 0) -> None:
        super().__init__(*args)
        self.version = version
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @on("GetLocalListVersion")
    async def on_get_version(self, **payload: Any) -> call_result201.GetLocalListVersion:
        self.calls.append(("GetLocalListVersion", payload))
        return call_result201.GetLocalListVersion(version_number=self.version)

    @on("SendLocalList")
    async def on_send(self, **payload: Any) -> call_result201.SendLocalList:
        self.calls.append(("SendLocalList", payload))
        self.version = payload["version_number"]
        return call_result201.SendLocalList(status="Accepted")


@contextlib.asynccontextmanager
async def list_station(
    system: System, station_id: str, version: str, held: int, limits: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    make = (
        functools.partial(ListStation16, version=held, limits=limits or {})
        if version == "1.6"
        else functools.partial(ListStation201, version=held)
    )
    async with booted(system.gateway_url, station_id, version, make) as station:
        yield station


def _tokens_of(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(token, status or None for a removal) of a SendLocalList payload, 1.6 or 2.0.1."""
    entries = payload.get("local_authorization_list") or []
    found = []
    for entry in entries:
        if "id_tag" in entry:
            found.append((entry["id_tag"], (entry.get("id_tag_info") or {}).get("status")))
        else:
            found.append((entry["id_token"]["id_token"], (entry.get("id_token_info") or {}).get("status")))
    return found


def _in_sync(version: int) -> Any:
    return lambda state: "delta" not in state and state["reported"]["localAuthList"].get("version") == version


@pytest.mark.parametrize(("version", "tokens"), [("1.6", 3), ("2.0.1", 25)])
def test_full_then_differential_by_version(
    api: Api, system: System, registered: str, version: str, tokens: int
) -> None:
    group = f"G{uuid.uuid4().hex[:10]}"
    members = [f"T{uuid.uuid4().hex[:12]}" for _ in range(tokens)]
    for token in members:
        response = api.request(
            "PUT", f"/id-tokens/{token}", json={"status": "Accepted", "groupIdToken": group}
        )
        assert response.status_code in (200, 201), response.text
    outsider = f"T{uuid.uuid4().hex[:12]}"
    assert api.request("PUT", f"/id-tokens/{outsider}", json={"status": "Accepted"}).ok
    patch_desired(api, registered, {"localAuthList": {"version": 1, "source": f"group:{group}"}})

    async def scenario() -> None:
        # The station holds a version we never sent (7): the first list must be Full.
        async with list_station(system, registered, version, held=7) as station:
            await shadow_where(api, registered, _in_sync(1))
            actions = [action for action, _ in station.calls]
            sends = [payload for action, payload in station.calls if action == "SendLocalList"]
            assert actions[0] == "GetLocalListVersion"
            assert sends[0]["update_type"] == "Full"
            if version == "2.0.1":
                # 25 entries, 20 per message by default: Full 20, then Differential 5, same version.
                assert [len(_tokens_of(payload)) for payload in sends] == [20, 5]
                assert [payload["update_type"] for payload in sends] == ["Full", "Differential"]
                assert {payload["version_number"] for payload in sends} == {1}
            else:
                assert len(sends) == 1
            sent = {token for payload in sends for token, _ in _tokens_of(payload)}
            assert sent == set(members)

            # A token joins the group, one leaves the store; version 2 goes as a Differential.
            newcomer = f"T{uuid.uuid4().hex[:12]}"
            assert api.request(
                "PUT", f"/id-tokens/{newcomer}", json={"status": "Blocked", "groupIdToken": group}
            ).ok
            assert api.request("DELETE", f"/id-tokens/{members[0]}").ok
            station.calls.clear()
            patch_desired(api, registered, {"localAuthList": {"version": 2, "source": f"group:{group}"}})
            await shadow_where(api, registered, _in_sync(2))
            assert [action for action, _ in station.calls] == ["GetLocalListVersion", "SendLocalList"]
            differential = station.calls[1][1]
            assert differential["update_type"] == "Differential"
            assert sorted(_tokens_of(differential)) == sorted([(newcomer, "Blocked"), (members[0], None)])

    asyncio.run(scenario())


def test_16_list_split_by_send_local_list_max_length_and_refused_beyond_its_capacity(
    api: Api, system: System, registered: str
) -> None:
    group = f"G{uuid.uuid4().hex[:10]}"
    members = [f"T{uuid.uuid4().hex[:12]}" for _ in range(5)]
    for token in members:
        assert api.request(
            "PUT", f"/id-tokens/{token}", json={"status": "Accepted", "groupIdToken": group}
        ).ok
    patch_desired(api, registered, {"localAuthList": {"version": 1, "source": f"group:{group}"}})
    limits = {"SendLocalListMaxLength": "2", "LocalAuthListMaxLength": "5"}

    async def scenario() -> None:
        async with list_station(system, registered, "1.6", held=0, limits=limits) as station:
            await shadow_where(api, registered, _in_sync(1))
            assert station.asked == [{"key": ["SendLocalListMaxLength", "LocalAuthListMaxLength"]}]
            sends = [payload for action, payload in station.calls if action == "SendLocalList"]
            # 5 entries, 2 per message: Full 2, Differential 2, Differential 1, all version 1.
            assert [len(_tokens_of(payload)) for payload in sends] == [2, 2, 1]
            assert [payload["update_type"] for payload in sends] == ["Full", "Differential", "Differential"]
            assert {payload["list_version"] for payload in sends} == {1}
            assert {token for payload in sends for token, _ in _tokens_of(payload)} == set(members)

            # A sixth member: more than LocalAuthListMaxLength (5), so version 2 is not sent.
            extra = f"T{uuid.uuid4().hex[:12]}"
            assert api.request(
                "PUT", f"/id-tokens/{extra}", json={"status": "Accepted", "groupIdToken": group}
            ).ok
            station.calls.clear()
            patch_desired(api, registered, {"localAuthList": {"version": 2, "source": f"group:{group}"}})
            state = await shadow_where(
                api, registered, lambda s: s["reported"]["localAuthList"].get("status") == "Invalid"
            )
            assert state["reported"]["localAuthList"]["reason"] == (
                "6 tokens, more than LocalAuthListMaxLength (5)"
            )
            assert [action for action, _ in station.calls] == ["GetLocalListVersion"]
            # The limits were in the reported configuration: not asked again.
            assert len(station.asked) == 1
        status = api.get("/fleet/status", params={"selector": ""}).json()
        assert (
            any(
                entry["chargePointId"] == registered
                and entry["reasons"] == {"localAuthList.version": "Invalid"}
                for entry in status["failing"]
            )
            or status["failingOmitted"] > 0
        )

    asyncio.run(scenario())


def test_201_entries_carry_the_evses_a_token_is_limited_to(api: Api, system: System, registered: str) -> None:
    group = f"G{uuid.uuid4().hex[:10]}"
    limited, free = (f"T{uuid.uuid4().hex[:12]}" for _ in range(2))
    body = {"status": "Accepted", "groupIdToken": group}
    assert api.request("PUT", f"/id-tokens/{limited}", json={**body, "evseIds": [2, 3]}).ok
    assert api.request("PUT", f"/id-tokens/{free}", json=body).ok
    patch_desired(api, registered, {"localAuthList": {"version": 1, "source": f"group:{group}"}})

    async def scenario() -> None:
        async with list_station(system, registered, "2.0.1", held=0) as station:
            await shadow_where(api, registered, _in_sync(1))
            # The station's ocpp library validated the payload against 2.0.1's schema to accept it.
            (send,) = [payload for action, payload in station.calls if action == "SendLocalList"]
            infos = {
                entry["id_token"]["id_token"]: entry["id_token_info"]
                for entry in send["local_authorization_list"]
            }
            assert infos[limited]["evse_id"] == [2, 3]
            assert "evse_id" not in infos[free]

    asyncio.run(scenario())


def test_bad_local_auth_list_is_400(api: Api, registered: str) -> None:
    for bad in (
        {"version": 0, "source": "id-tokens"},
        {"version": 1, "source": "everyone"},
        {"version": 1},
        {"version": "1", "source": "id-tokens"},
    ):
        response = api.request(
            "PATCH",
            f"/charge-points/{registered}/shadow",
            json={"state": {"desired": {"localAuthList": bad}}},
        )
        assert response.status_code == 400, bad
        assert "localAuthList" in response.json()["error"]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_get_local_list_version_on_every_connect(
    api: Api, system: System, registered: str, version: str
) -> None:
    token = f"T{uuid.uuid4().hex[:12]}"
    assert api.request("PUT", f"/id-tokens/{token}", json={"status": "Accepted"}).ok
    patch_desired(api, registered, {"localAuthList": {"version": 5, "source": "id-tokens"}})

    async def scenario() -> None:
        async with list_station(system, registered, version, held=0) as station:
            await shadow_where(api, registered, _in_sync(5))
            _assert_full_after_version_check(station.calls, token)
        # Back with its list: asked, nothing sent.
        async with list_station(system, registered, version, held=5) as station:
            await wait_for_calls(station, 1)
            await shadow_where(api, registered, _in_sync(5))
            await asyncio.sleep(0.5)
            assert [action for action, _ in station.calls] == ["GetLocalListVersion"]
        # Back without it (version 0, say after a reset): asked, then the Full list again.
        async with list_station(system, registered, version, held=0) as station:
            await wait_for_calls(station, 2)
            await shadow_where(api, registered, _in_sync(5))
            _assert_full_after_version_check(station.calls, token)

    asyncio.run(scenario())


def _assert_full_after_version_check(calls: list[tuple[str, dict[str, Any]]], token: str) -> None:
    """GetLocalListVersion, then a Full list (in parts when every token of the shared store is more
    than one 2.0.1 message carries), which holds ``token``."""
    assert calls[0][0] == "GetLocalListVersion"
    sends = [payload for action, payload in calls[1:] if action == "SendLocalList"]
    assert len(sends) == len(calls) - 1 and sends[0]["update_type"] == "Full"
    assert all(payload["update_type"] == "Differential" for payload in sends[1:])
    assert token in {name for payload in sends for name, _ in _tokens_of(payload)}


async def wait_for_calls(station: Any, count: int, timeout: float = 10.0) -> None:
    async def enough() -> bool | NotYet:
        return True if len(station.calls) >= count else NotYet(station.calls)

    await wait_until_async(enough, timeout, message=f"{count} calls reached the station")
