"""Smart charging end to end: real 1.6 and 2.0.1 stations (ocpp library clients that apply profiles) in
a 32 A site, through the gateway, handler, shadow (the allocator) and remote-api."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.charging import charging16, charging201
from tests.support.polling import NotYet, wait_until_async
from tests.support.system import System

pytestmark = pytest.mark.e2e

SHARE_TIMEOUT = 5.0


async def put_site(api: Api, site: str, amps: float) -> None:
    response = await api.arequest("PUT", f"/sites/{site}", json={"name": site, "limit": {"amps": amps}})
    assert response.status_code in (200, 201), response.text


async def join(api: Api, station: str, site: str) -> None:
    response = await api.arequest("PATCH", f"/charge-points/{station}", json={"site": site})
    assert response.status_code == 200, response.text


Share = tuple[Any, str]
"""A station and its transaction id."""


async def limits_when(
    shares: list[Share], condition: Any, what: str, timeout: float = SHARE_TIMEOUT
) -> list[float]:
    async def check() -> list[float] | NotYet:
        limits = [station.profiles.tx_limit(tx) for station, tx in shares]
        if any(limit is None for limit in limits) or not condition(limits):
            return NotYet(limits)
        return limits

    return await wait_until_async(check, timeout=timeout, message=what)


@dataclass(frozen=True)
class TwoIn32A:
    """Two stations in a 32 A site, each with a transaction, sharing it 16/16."""

    ids: tuple[str, str]
    first: Any
    second: Any
    shares: list[Share]


@contextlib.asynccontextmanager
async def two_in_32a(system: System, api: Api, name: str, second_16: bool = False) -> AsyncIterator[TwoIn32A]:
    """``second_16``: the second station is a 1.6 one (else both 2.0.1)."""
    run = uuid.uuid4().hex[:8]
    site = f"site-{name}-{run}"
    ids = (f"CP-SC-{run}-{name}", f"CP-SC-{run}-other")
    for station_id in ids:
        api.register(station_id)
    await put_site(api, site, 32)
    for station_id in ids:
        await join(api, station_id, site)
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(charging201(system.gateway_url, ids[0]))
        await first.start_transaction(f"tx-{run}-{name}")
        second: Any
        if second_16:
            second = await stack.enter_async_context(charging16(system.gateway_url, ids[1]))
            second_tx = await second.start_transaction()
        else:
            second = await stack.enter_async_context(charging201(system.gateway_url, ids[1]))
            second_tx = f"tx-{run}-other"
            await second.start_transaction(second_tx)
        shares: list[Share] = [(first, f"tx-{run}-{name}"), (second, second_tx)]
        await limits_when(shares, lambda got: got == [16.0, 16.0], "two share 32 A")
        yield TwoIn32A(ids, first, second, shares)


def test_32a_site_three_transactions_end_limit_offline(system: System, api: Api) -> None:
    asyncio.run(scenario_32a(system, api))


async def scenario_32a(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site32-{run}"
    ids = [f"CP-SC-{run}-{n}" for n in range(3)]
    for station_id in ids:
        api.register(station_id)
    await put_site(api, site, 32)
    for station_id in ids:
        await join(api, station_id, site)
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(charging201(system.gateway_url, ids[0]))
        second = await stack.enter_async_context(charging16(system.gateway_url, ids[1]))
        third_context = charging201(system.gateway_url, ids[2])
        third = await stack.enter_async_context(third_context)
        for station in (first, second, third):
            await wait_until_async(
                lambda station=station: station.profiles.default_limit() == 6.0,
                message=f"{station.id} got the failsafe TxDefaultProfile (6 A)",
            )

        await first.start_transaction(f"tx-{run}-a")
        shares: list[Share] = [(first, f"tx-{run}-a")]
        limits = await limits_when(shares, lambda got: got == [32.0], "one transaction gets the whole 32 A")
        tx16 = await second.start_transaction()
        shares.append((second, tx16))
        await third.start_transaction(f"tx-{run}-c")
        shares.append((third, f"tx-{run}-c"))
        limits = await limits_when(
            shares, lambda got: sum(got) <= 32 and all(0 < x <= 32 / 3 for x in got), "three share 32 A"
        )
        print(f"\nthree transactions in 32 A: {limits} A (sum {sum(limits):.1f})")

        await first.end_transaction(f"tx-{run}-a")
        shares = shares[1:]
        limits = await limits_when(shares, lambda got: got == [16.0, 16.0], "the other two rise to 16 A")
        print(f"one ended: {limits} A")

        started = asyncio.get_running_loop().time()
        await put_site(api, site, 16)
        limits = await limits_when(
            shares, lambda got: got == [8.0, 8.0], "both fall to 8 A under a 16 A limit"
        )
        fell = max(a.at for station, _ in shares for a in station.profiles.applied) - started
        print(f"limit 32 -> 16 A: {limits} A, all stations told within {fell * 1000:.0f} ms of the PUT")
        assert fell < 1.0, f"re-allocation took {fell:.2f} s"

        # The 1.6 station goes offline: its 8 A stay counted, so raising the limit to 32 A lets the
        # other rise to 24 A, not 32.
        await stack.aclose()
        async with charging201(system.gateway_url, ids[2]) as third_again:
            # Reconnected: the failsafe again, and its transaction (still open in the CSMS) keeps its share.
            await wait_until_async(
                lambda: third_again.profiles.default_limit() == 6.0, message="failsafe again"
            )
            async with charging16(system.gateway_url, ids[1]) as second_again:
                await wait_until_async(
                    lambda: second_again.profiles.default_limit() == 6.0, message="failsafe 1.6"
                )
            await asyncio.sleep(0.5)  # the 1.6 station is offline again now
            await put_site(api, site, 32)
            limits = await limits_when(
                [(third_again, f"tx-{run}-c")],
                lambda got: got == [24.0],
                "the online transaction rises to 32 - 8 (the offline one's last share) = 24 A",
            )
            print(f"1.6 station offline at 8 A, limit 32 A: the other gets {limits} A")


def test_a_station_rejecting_profiles_is_counted_at_its_maximum(system: System, api: Api) -> None:
    asyncio.run(rejecting_station(system, api))


async def rejecting_station(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site-rej-{run}"
    good, bad = f"CP-SC-{run}-ok", f"CP-SC-{run}-no"
    for station_id in (good, bad):
        api.register(station_id)
    await put_site(api, site, 40)
    for station_id in (good, bad):
        await join(api, station_id, site)
    async with (
        charging201(system.gateway_url, good) as ok,
        charging16(system.gateway_url, bad, answer="Rejected") as no,
    ):
        await ok.start_transaction(f"tx-{run}-ok")
        tx_no = await no.start_transaction()
        # The rejecting station's transaction is counted at 32 A (CHARGING_STATION_MAX_AMPS): 8 A remain.
        limits = await limits_when(
            [(ok, f"tx-{run}-ok")], lambda got: got == [8.0], "the other keeps 40 - 32 = 8 A"
        )
        print(f"\na 1.6 station rejecting its profile: counted at 32 A, the other gets {limits}")
        assert no.profiles.tx_limit(tx_no) is not None, "it was asked"

        async def answered() -> dict[Any, Any] | NotYet:
            allocation = (await api.aget(f"/sites/{site}/allocation")).json()["transactions"]
            states = {(t["chargePointId"], t["transactionId"]): t["state"] for t in allocation}
            expected = {(good, f"tx-{run}-ok"): "accepted", (bad, tx_no): "rejected"}
            return states if states == expected else NotYet(states)

        await wait_until_async(answered, message="GET /sites/{id}/allocation reports the refusal")


def test_iso15118_needs_are_answered_and_honoured(system: System, api: Api) -> None:
    asyncio.run(ev_needs(system, api))


async def ev_needs(system: System, api: Api) -> None:
    async with two_in_32a(system, api, "ev") as two:
        ev, shares, ids = two.first, two.shares, two.ids
        assert await ev.notify_needs(max_current=10) == "Accepted"
        limits = await limits_when(
            shares, lambda got: got == [10.0, 22.0], "the EV's 10 A honoured, the rest handed to the other"
        )
        print(f"\nNotifyEVChargingNeeds evMaxCurrent 10 A: Accepted, then {limits} A")
        before = len(ev.profiles.applied)
        assert await ev.notify_needs(max_current=10) == "Accepted"
        await wait_until_async(
            lambda: len(ev.profiles.applied) > before,
            message="the same needs again are still answered with a SetChargingProfile (K15)",
        )
        answered = len(ev.profiles.applied)
        await asyncio.sleep(6)  # past CHARGING_RECOMPUTE_INTERVAL (5 s): at least one more pass ran
        assert len(ev.profiles.applied) == answered, "needs already answered are not answered again"
        shadow = (await api.aget(f"/charge-points/{ids[0]}/shadow")).json()
        assert shadow["state"]["reported"]["evChargingNeeds"]["1"]["evMaxCurrent"] == 10


def test_iso15118_energy_by_departure_leaves_the_spare_to_others(system: System, api: Api) -> None:
    asyncio.run(ev_energy(system, api))


async def ev_energy(system: System, api: Api) -> None:
    async with two_in_32a(system, api, "energy") as two:
        ev, shares = two.first, two.shares
        # 13.8 kWh in 2 h on three phases of 230 V: 13800 / (2 x 230 x 3) = 10 A; the other gets 22 A.
        # The need grows as departure nears (0.1 A per ~70 s here): 10.0 A, give or take that and the
        # 0.1 A rounding down, and the other gets the rest (rounded down too: 31.9 or 32 A in all).
        departure = (datetime.now(UTC) + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
        status = await ev.notify_needs(max_current=32, energy_wh=13_800, departure=departure)
        assert status == "Accepted"
        limits = await limits_when(
            shares,
            lambda got: 9.9 <= got[0] <= 10.2 and 31.9 <= round(got[0] + got[1], 1) <= 32.0,
            "the EV capped at the energy it needs by departure, the spare handed to the other",
        )
        print(f"\nNotifyEVChargingNeeds 13.8 kWh by departure in 2 h: {limits} A")
        # Needs without a departure time: only evMaxCurrent and evMinCurrent count, the two share again.
        assert await ev.notify_needs(max_current=32, energy_wh=13_800, min_current=20) == "Accepted"
        limits = await limits_when(
            shares,
            lambda got: got == [23.0, 9.0],
            "evMinCurrent 20 A: both admitted at their minimum (20 + 6), the 6 A left shared equally on top",
        )
        print(f"the same EV with evMinCurrent 20 A and no departure: {limits} A")


def test_a_priority_token_is_served_first(system: System, api: Api) -> None:
    asyncio.run(priority(system, api))


async def priority(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site-prio-{run}"
    ids = (f"CP-SC-{run}-first", f"CP-SC-{run}-vip")
    for station_id in ids:
        api.register(station_id)
    vip_token = f"TAG-tx-{run}-vip"
    bad = await api.arequest(
        "PUT", f"/id-tokens/{vip_token}", json={"status": "Accepted", "chargingPriority": 10}
    )
    assert bad.status_code == 400 and "chargingPriority" in bad.json()["error"]
    put = await api.arequest(
        "PUT", f"/id-tokens/{vip_token}", json={"status": "Accepted", "chargingPriority": 1}
    )
    assert put.status_code in (200, 201) and put.json()["chargingPriority"] == 1
    await put_site(api, site, 16)
    for station_id in ids:
        await join(api, station_id, site)
    async with (
        charging201(system.gateway_url, ids[0]) as first,
        charging201(system.gateway_url, ids[1]) as vip,
    ):
        await first.start_transaction(f"tx-{run}-first")
        await limits_when([(first, f"tx-{run}-first")], lambda got: got == [16.0], "alone: 16 A")
        await vip.start_transaction(f"tx-{run}-vip")
        limits = await limits_when(
            [(first, f"tx-{run}-first"), (vip, f"tx-{run}-vip")],
            lambda got: got == [6.0, 10.0],
            "the later priority token is filled first: 16 - 6 = 10 A, the other keeps its 6 A minimum",
        )
        print(f"\npriority 1 arriving second in 16 A: {limits} A")


def test_a_station_answering_with_an_error_is_reported_and_counted_at_its_maximum(
    system: System, api: Api
) -> None:
    asyncio.run(erring_station(system, api))


async def erring_station(system: System, api: Api) -> None:
    run = uuid.uuid4().hex[:8]
    site = f"site-err-{run}"
    good, bad = f"CP-SC-{run}-fine", f"CP-SC-{run}-err"
    for station_id in (good, bad):
        api.register(station_id)
    await put_site(api, site, 40)
    for station_id in (good, bad):
        await join(api, station_id, site)
    async with (
        charging201(system.gateway_url, good) as fine,
        charging201(system.gateway_url, bad, answer="CallError") as erring,
    ):
        await fine.start_transaction(f"tx-{run}-fine")
        await limits_when([(fine, f"tx-{run}-fine")], lambda got: got == [32.0], "alone: the station maximum")
        await erring.start_transaction(f"tx-{run}-err")
        limits = await limits_when(
            [(fine, f"tx-{run}-fine")],
            lambda got: got == [8.0],
            "the erring station counted at 32 A: 8 A remain",
        )

        async def reported() -> list[Any] | NotYet:
            allocation = (await api.aget(f"/sites/{site}/allocation")).json()["transactions"]
            states = sorted((t["chargePointId"], t["state"]) for t in allocation)
            return states if states == sorted([(good, "accepted"), (bad, "rejected")]) else NotYet(states)

        states: list[Any] = await wait_until_async(
            reported, message="the erring station reported as rejected"
        )
        print(
            f"\na station answering SetChargingProfile with a CallError: {states}; the other gets {limits} A"
        )


def test_a_station_reported_limit_caps_it_until_cleared(system: System, api: Api) -> None:
    asyncio.run(station_limit(system, api))


async def station_limit(system: System, api: Api) -> None:
    async with two_in_32a(system, api, "ems") as two:
        ems, shares = two.first, two.shares
        notified = time.monotonic()
        await ems.notify_limit(10)
        # The charging.limit_changed event wakes the allocator: well before its periodic pass (5 s).
        limits = await limits_when(
            shares,
            lambda got: got == [10.0, 22.0],
            "the reported 10 A caps it, the rest goes to the other",
            4,
        )
        print(
            f"\nNotifyChargingLimit 10 A on one station: {limits} A after {time.monotonic() - notified:.2f} s"
        )
        cleared = time.monotonic()
        await ems.clear_limit()
        limits = await limits_when(shares, lambda got: got == [16.0, 16.0], "cleared: equal shares again", 4)
        print(f"ClearedChargingLimit: {limits} A after {time.monotonic() - cleared:.2f} s")


def test_the_ev_schedule_caps_its_share(system: System, api: Api) -> None:
    asyncio.run(ev_schedule(system, api))


async def ev_schedule(system: System, api: Api) -> None:
    async with two_in_32a(system, api, "plan") as two:
        planner, shares, ids = two.first, two.shares, two.ids
        # 6900 W over three phases of 230 V = 10 A per phase, for an hour; then 32 A.
        assert await planner.notify_schedule([(0, 6900.0), (3600, 22000.0)], rate_unit="W") == "Accepted"
        limits = await limits_when(
            shares,
            lambda got: got == [10.0, 22.0],
            "the EV's plan caps its share, the rest goes to the other",
            4,
        )
        print(f"\nNotifyEVChargingSchedule 6900 W (10 A) now: Accepted, then {limits} A")
        shadow = (await api.aget(f"/charge-points/{ids[0]}/shadow")).json()
        kept = shadow["state"]["reported"]["evChargingSchedule"]["1"]["periods"]
        assert kept == [{"start": 0, "limitAmps": 10.0}, {"start": 3600, "limitAmps": 31.8}]


def test_spare_below_a_station_max_profile_goes_to_the_others(system: System, api: Api) -> None:
    asyncio.run(station_max(system, api))


async def station_max(system: System, api: Api) -> None:
    async with two_in_32a(system, api, "capped", second_16=True) as two:
        shares, ids = two.shares, two.ids
        profile = {
            "stackLevel": 0,
            "purpose": "ChargingStationMaxProfile",
            "kind": "Absolute",
            "schedule": {
                "rateUnit": "A",
                "startSchedule": "2026-01-01T00:00:00Z",
                "periods": [{"start": 0, "limit": 10}],
            },
        }
        put = await api.arequest("PUT", f"/charge-points/{ids[0]}/charging-profiles/7", json=profile)
        assert put.status_code == 200, put.text
        limits = await limits_when(
            shares,
            lambda got: got == [10.0, 22.0],
            "the station's own 10 A max: its spare goes to the other",
            4,
        )
        print(f"\nChargingStationMaxProfile 10 A on one station (API): {limits} A")
        deleted = await api.arequest("DELETE", f"/charge-points/{ids[0]}/charging-profiles/7")
        assert deleted.status_code == 200, deleted.text
        limits = await limits_when(
            shares, lambda got: got == [16.0, 16.0], "the max profile cleared: equal again", 4
        )
        print(f"cleared: {limits} A")
