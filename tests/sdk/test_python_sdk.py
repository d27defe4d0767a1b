"""The Python SDK against the running system: registry, the reference's OCPPClient, commands, errors."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
import websockets
from ocpp.v201 import call as call201

from csms_sdk import (
    AlreadyRegistered,
    AsyncClient,
    AsyncOCPPClient,
    BadRequest,
    Client,
    CommandTimeout,
    Forbidden,
    NotConnected,
    NotFound,
    NotRegistered,
    OCPPClient,
    RateLimited,
    RetryPolicy,
    StationError,
    TransportError,
    Unauthorized,
)
from tests.sdk.conftest import RATE_LIMITED_COMMAND_RATE
from tests.support.infra import free_ports
from tests.support.stations import station201
from tests.support.system import API_TOKEN, READ_TOKEN, System

pytestmark = pytest.mark.e2e


def new_id() -> str:
    return f"SDK-{uuid.uuid4().hex[:12]}"


def test_registry_crud(client: Client) -> None:
    station_id = new_id()
    created = client.register_station(station_id)
    assert created["chargePointId"] == station_id
    assert created["registrationStatus"] == "Accepted"
    assert created["connected"] is False and created["connection"] is None

    with pytest.raises(AlreadyRegistered) as exists:
        client.register_station(station_id)
    assert exists.value.status == 409

    assert client.get_station(station_id)["chargePointId"] == station_id
    listed = [station["chargePointId"] for station in client.list_stations()]
    assert station_id in listed
    assert [station["chargePointId"] for station in client.iter_stations()] == listed

    updated = client.update_station(station_id, registration_status="Pending")
    assert updated["registrationStatus"] == "Pending"

    assert client.delete_station(station_id) == {"chargePointId": station_id, "deleted": True}
    with pytest.raises(NotRegistered) as missing:
        client.get_station(station_id)
    assert isinstance(missing.value, NotFound) and missing.value.status == 404
    assert missing.value.message == f"Charge point not found: {station_id}"
    with pytest.raises(NotRegistered):
        client.delete_station(station_id)


def test_reference_ocpp_client_as_written(system: System, client: Client, monkeypatch: Any) -> None:
    """The reference's example, line by line, against a connected 2.0.1 station."""
    station_id = new_id()
    client.register_station(station_id)
    monkeypatch.setenv("OCPP_API_TOKEN", API_TOKEN)  # the token from the environment, as documented

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id) as station:
            ocpp_client = OCPPClient(
                remote_start_url=f"{system.api_url}/remote-start-transaction",
                remote_stop_url=f"{system.api_url}/remote-stop-transaction",
            )
            result = await asyncio.to_thread(ocpp_client.start_transaction, station_id, "user-123", 1)
            print(f"Transaction started: {result}")
            assert result["message"] == "RequestStartTransaction command sent successfully"
            assert result["chargePointId"] == station_id
            action, payload, _ = await asyncio.wait_for(station.received.get(), 10)
            assert action == "RequestStartTransaction"
            assert payload["id_token"] == {"id_token": "user-123", "type": "ISO14443"}
            assert payload["evse_id"] == 1
            assert payload["remote_start_id"] == result["remoteStartId"]

            result = await asyncio.to_thread(ocpp_client.stop_transaction, station_id, 123456789)
            print(f"Transaction stopped: {result}")
            assert result["message"] == "RequestStopTransaction command sent successfully"
            assert result["transactionId"] == 123456789
            action, payload, _ = await asyncio.wait_for(station.received.get(), 10)
            assert (action, payload) == ("RequestStopTransaction", {"transaction_id": "123456789"})
            ocpp_client.close()

    asyncio.run(scenario())


def test_reference_client_reaches_the_rest_of_the_api_below_its_urls(system: System) -> None:
    """The base URL of the other endpoints comes from the start URL, /v1 prefix included."""
    station_id = new_id()
    with OCPPClient(
        f"{system.api_url}/v1/remote-start-transaction",
        f"{system.api_url}/v1/remote-stop-transaction",
        token=API_TOKEN,
    ) as ocpp_client:
        assert ocpp_client.base_url == f"{system.api_url}/v1"
        ocpp_client.register_station(station_id)
        assert ocpp_client.get_station(station_id)["chargePointId"] == station_id
        with pytest.raises(NotConnected):
            ocpp_client.start_transaction(station_id, "user-123", 1)


def test_commands_with_and_without_wait(system: System, client: Client) -> None:
    station_id = new_id()
    client.register_station(station_id)

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id) as station:
            answered = await asyncio.to_thread(
                client.send_command, station_id, "Reset", {"type": "Immediate"}, wait=10
            )
            assert answered["state"] == "answered"
            assert answered["result"] == {"status": "Scheduled"}
            assert answered["action"] == "Reset"
            assert (await asyncio.wait_for(station.received.get(), 10))[:2] == (
                "Reset",
                {"type": "Immediate"},
            )

            sent = await asyncio.to_thread(client.send_command, station_id, "Reset", {"type": "OnIdle"})
            assert sent["state"] == "sent" and "result" not in sent
            # The record is written by the shadow service a moment after the call is sent.
            deadline = time.monotonic() + 10
            record: dict[str, Any] = {"state": "not recorded yet"}
            while record["state"] != "answered" and time.monotonic() < deadline:
                try:
                    record = dict(await asyncio.to_thread(client.get_command, sent["messageId"]))
                except NotFound:
                    await asyncio.sleep(0.05)
                    continue
                if record["state"] != "answered":
                    await asyncio.sleep(0.05)
            assert record["state"] == "answered"
            assert record["request"] == {"type": "OnIdle"}
            assert record["payload"] == {"status": "Scheduled"}

            started = await asyncio.to_thread(client.start_transaction, station_id, "user-123", 1, wait=10)
            assert started["state"] == "answered" and started["result"] == {"status": "Accepted"}

    asyncio.run(scenario())


def test_station_call_error_raises_station_error(system: System, client: Client) -> None:
    station_id = new_id()
    client.register_station(station_id)

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id):
            # The library's station has no ClearCache handler: it answers with a CallError.
            with pytest.raises(StationError) as failed:
                await asyncio.to_thread(client.send_command, station_id, "ClearCache", {}, wait=10)
            assert failed.value.status == 502
            assert failed.value.error_code in ("NotSupported", "NotImplemented")
            assert failed.value.state == "error" and failed.value.message_id

    asyncio.run(scenario())


def test_not_registered_not_connected_and_bad_request(client: Client) -> None:
    unknown = new_id()
    with pytest.raises(NotRegistered) as not_registered:
        client.send_command(unknown, "Reset", {"type": "Immediate"}, wait=1)
    assert not_registered.value.status == 404

    offline = new_id()
    client.register_station(offline)
    with pytest.raises(NotConnected) as not_connected:
        client.start_transaction(offline, "user-123", 1)
    assert not_connected.value.status == 409
    assert not_connected.value.message == f"Charge point not connected: {offline}"

    with pytest.raises(BadRequest) as bad:
        client.stop_transaction("", 1)
    assert bad.value.message == "Missing required parameter: chargePointId"
    with pytest.raises(ValueError):
        client.send_command(offline, "Reset", {"type": "Immediate"}, wait=61)


def test_silent_station_raises_command_timeout(system: System, client: Client) -> None:
    station_id = new_id()
    client.register_station(station_id)

    async def scenario() -> None:
        url = f"{system.gateway_url}/{station_id}"
        async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as ws:  # never answers a call
            await ws.send('[2,"hb","Heartbeat",{}]')
            await asyncio.wait_for(ws.recv(), 10)
            started = time.monotonic()
            with pytest.raises(CommandTimeout) as timed_out:
                await asyncio.to_thread(
                    client.send_command, station_id, "Reset", {"type": "Immediate"}, wait=0.5
                )
            elapsed = time.monotonic() - started
            print(f"silent station: CommandTimeout after {elapsed:.2f} s (wait=0.5)")
            assert timed_out.value.status == 504
            assert timed_out.value.state == "sent" and timed_out.value.message_id
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame[0] == 2 and frame[1] == timed_out.value.message_id and frame[2] == "Reset"

    asyncio.run(scenario())


def test_authentication_errors(system: System) -> None:
    with Client(system.api_url, token="not-a-token") as stranger, pytest.raises(Unauthorized):
        stranger.list_stations()
    with Client(system.api_url, token=READ_TOKEN) as reader:
        assert isinstance(reader.list_stations(), list)
        with pytest.raises(Forbidden) as forbidden:
            reader.register_station(new_id())
    assert forbidden.value.status == 403


def test_unreachable_api_raises_transport_error() -> None:
    (port,) = free_ports(1)
    with Client(f"http://127.0.0.1:{port}", token=API_TOKEN, timeout=2) as nowhere:
        with pytest.raises(TransportError):
            nowhere.healthz()


def test_rate_limit_without_and_with_retry(system: System, client: Client, rate_limited_api_url: str) -> None:
    """Burst 1, 0.5 commands/s: the second command is refused with Retry-After 2; a client with a
    retry policy waits those 2 s and gets the answer."""
    station_id = new_id()
    client.register_station(station_id)
    slept: list[float] = []

    def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id):
            with Client(rate_limited_api_url, token=API_TOKEN) as plain:
                first = await asyncio.to_thread(
                    plain.send_command, station_id, "Reset", {"type": "Immediate"}, wait=10
                )
                assert first["state"] == "answered"
                with pytest.raises(RateLimited) as limited:
                    await asyncio.to_thread(
                        plain.send_command, station_id, "Reset", {"type": "Immediate"}, wait=10
                    )
            assert limited.value.status == 429
            assert limited.value.retry_after == 1 / RATE_LIMITED_COMMAND_RATE

            with Client(
                rate_limited_api_url, token=API_TOKEN, retry=RetryPolicy(attempts=3), sleep=recording_sleep
            ) as patient:
                started = time.monotonic()
                answer = await asyncio.to_thread(
                    patient.send_command, station_id, "Reset", {"type": "Immediate"}, wait=10
                )
                elapsed = time.monotonic() - started
            print(f"429 retried after Retry-After: slept {slept}, answered after {elapsed:.2f} s")
            assert answer["state"] == "answered"
            assert slept and slept[0] >= limited.value.retry_after
            assert elapsed >= slept[0]

    asyncio.run(scenario())


def test_id_tokens(client: Client) -> None:
    token = f"tok-{uuid.uuid4().hex[:10]}"
    created = client.put_id_token(token, "Accepted", expiry_date="2030-01-01T00:00:00Z")
    assert created["idToken"] == token and created["status"] == "Accepted"
    assert created["expiryDate"].startswith("2030-01-01")
    assert client.put_id_token(token, "Blocked")["status"] == "Blocked"
    assert client.get_id_token(token)["status"] == "Blocked"
    assert token in [record["idToken"] for record in client.list_id_tokens()]
    assert client.delete_id_token(token) == {"idToken": token, "deleted": True}
    with pytest.raises(NotFound):
        client.get_id_token(token)


def test_shadow_and_transactions(system: System, client: Client) -> None:
    station_id = new_id()
    client.register_station(station_id)

    async def scenario() -> None:
        async with station201(system.gateway_url, station_id) as station:
            await station.call(
                call201.BootNotification(
                    charging_station={"model": "SDK-Model", "vendor_name": "SDK-Vendor"}, reason="PowerUp"
                )
            )
            deadline = time.monotonic() + 10
            while True:
                try:
                    shadow = await asyncio.to_thread(client.get_shadow, station_id)
                    if "chargingStation" in shadow["state"]["reported"]:
                        break
                except NotRegistered:
                    pass
                assert time.monotonic() < deadline, "the boot never reached the shadow"
                await asyncio.sleep(0.05)
            reported = shadow["state"]["reported"]
            assert reported["chargingStation"] == {"model": "SDK-Model", "vendorName": "SDK-Vendor"}
            assert await asyncio.to_thread(client.list_transactions, station_id) == []

    asyncio.run(scenario())


def test_async_client_parity(system: System) -> None:
    """The async client does what the sync one does: registry, commands with wait, errors, retry."""
    station_id = new_id()

    async def scenario() -> None:
        async with AsyncClient(system.api_url, token=API_TOKEN) as client:
            created = await client.register_station(station_id)
            assert created["chargePointId"] == station_id
            with pytest.raises(AlreadyRegistered):
                await client.register_station(station_id)
            assert station_id in [station["chargePointId"] async for station in client.iter_stations()]
            assert station_id in [station["chargePointId"] for station in await client.list_stations()]
            with pytest.raises(NotConnected):
                await client.send_command(station_id, "Reset", {"type": "Immediate"}, wait=1)
            async with station201(system.gateway_url, station_id) as station:
                answered = await client.send_command(station_id, "Reset", {"type": "Immediate"}, wait=10)
                assert answered["result"] == {"status": "Scheduled"}
                ocpp_client = AsyncOCPPClient(
                    f"{system.api_url}/remote-start-transaction",
                    f"{system.api_url}/remote-stop-transaction",
                    token=API_TOKEN,
                )
                started = await ocpp_client.start_transaction(station_id, "user-123", 1)
                assert started["chargePointId"] == station_id
                await ocpp_client.aclose()
                received = [await asyncio.wait_for(station.received.get(), 10) for _ in range(2)]
                assert [action for action, _, _ in received] == ["Reset", "RequestStartTransaction"]
            assert (await client.delete_station(station_id))["deleted"] is True
            with pytest.raises(NotRegistered):
                await client.get_station(station_id)

    asyncio.run(scenario())


def test_async_rate_limit_retry(system: System, client: Client, rate_limited_api_url: str) -> None:
    station_id = new_id()  # the limit applies before the registry is asked: an unknown id is enough
    slept: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(seconds)

    async def scenario() -> None:
        async with AsyncClient(
            rate_limited_api_url, token=API_TOKEN, retry=RetryPolicy(attempts=3), sleep=recording_sleep
        ) as patient:
            with pytest.raises(NotRegistered):
                await patient.send_command(station_id, "Reset", {"type": "Immediate"})
            with pytest.raises(NotRegistered):  # 429 first, retried after Retry-After, then the real answer
                await patient.send_command(station_id, "Reset", {"type": "Immediate"})
        print(f"async 429 retry slept {slept}")
        assert slept and slept[0] >= 1 / RATE_LIMITED_COMMAND_RATE

    asyncio.run(scenario())
