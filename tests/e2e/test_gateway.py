"""The gateway's handshake policy and its frame forwarding, seen from a socket and from MQTT."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from csms_common import properties
from tests.support.api import Api
from tests.support.mqtt_observer import MqttObserver
from tests.support.system import System

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.0"], "ocpp2.0"),
        (["ocpp1.6"], "ocpp1.6"),
        (["ocpp1.6", "ocpp2.0.1"], "ocpp1.6"),
        (["ocpp9.9", "ocpp2.0.1"], "ocpp2.0.1"),
    ],
)
def test_subprotocol_negotiation(system: System, registered: str, offered: list[str], chosen: str) -> None:
    async def scenario() -> str | None:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=offered) as ws:
            return ws.subprotocol

    assert asyncio.run(scenario()) == chosen


def test_no_subprotocol_means_ocpp201(system: System, registered: str) -> None:
    async def scenario() -> tuple[str | None, list[object]]:
        async with websockets.connect(f"{system.gateway_url}/{registered}") as ws:
            await ws.send(
                json.dumps(
                    [
                        2,
                        "boot-1",
                        "BootNotification",
                        {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
                    ]
                )
            )
            return ws.subprotocol, json.loads(await asyncio.wait_for(ws.recv(), 5))

    subprotocol, reply = asyncio.run(scenario())
    assert subprotocol is None
    assert reply[0] == 3 and reply[1] == "boot-1" and reply[2]["status"] == "Accepted"


def test_unsupported_subprotocol_is_refused(system: System, registered: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp9.9"]):
            pass

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 400
    assert b"Unsupported OCPP subprotocol" in refused.value.response.body


def test_unregistered_station_gets_404(system: System, station_id: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}/{station_id}", subprotocols=["ocpp2.0.1"]):
            pass

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 404


@pytest.mark.parametrize("path", ["/a%2Fb", "/a+b", "/a%23b", "/" + "x" * 49, "/a/b", "/", "/%FF"])
def test_invalid_station_id_is_refused_at_handshake(system: System, path: str) -> None:
    async def scenario() -> None:
        async with websockets.connect(f"{system.gateway_url}{path}", subprotocols=["ocpp2.0.1"]):
            pass

    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 400


def test_unregistered_station_closed_with_1008_in_seed_mode(system: System, station_id: str) -> None:
    gateway = system.start("gateway", label="gateway-1008", GATEWAY_UNREGISTERED_REJECTION="close-1008")
    try:
        system.wait_ready(gateway)

        async def scenario() -> int | None:
            url = f"ws://127.0.0.1:{gateway.env['GATEWAY_PORT']}/{station_id}"
            async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as ws:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                return closed.value.rcvd.code if closed.value.rcvd else None

        assert asyncio.run(scenario()) == 1008
    finally:
        gateway.stop()


def test_frames_travel_raw_with_metadata(system: System, registered: str) -> None:
    observer = MqttObserver(system.mqtt_url, f"{registered}/in", f"{registered}/out")
    frame = '[2, "hb-1",  "Heartbeat", {}]'  # odd spacing: forwarded byte for byte, not re-encoded

    async def scenario() -> str:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0"]) as ws:
            await ws.send(frame)
            return str(await asyncio.wait_for(ws.recv(), 5))

    try:
        reply = asyncio.run(scenario())
        inbound = observer.next(topic=f"{registered}/in")
        outbound = observer.next(topic=f"{registered}/out")
    finally:
        observer.close()
    assert inbound.payload.decode() == frame
    assert inbound.user_properties[properties.PROTOCOL] == "ocpp2.0"
    assert inbound.user_properties[properties.GATEWAY] == "gateway"
    assert len(inbound.user_properties[properties.SESSION]) == 32
    assert inbound.user_properties[properties.RECEIVED_AT].endswith("Z")
    assert outbound.payload.decode() == reply
    assert json.loads(reply)[:2] == [3, "hb-1"]


def test_frames_from_mqtt_reach_the_socket(system: System, registered: str) -> None:
    observer = MqttObserver(system.mqtt_url)

    async def scenario() -> str:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            await ws.send('[2,"hb",  "Heartbeat",{}]')
            await asyncio.wait_for(ws.recv(), 5)  # the session is subscribed once it answers
            await asyncio.to_thread(observer.publish, f"{registered}/out", '[3,"x-1",{"custom":1}]')
            return str(await asyncio.wait_for(ws.recv(), 5))

    try:
        assert asyncio.run(scenario()) == '[3,"x-1",{"custom":1}]'
    finally:
        observer.close()


def test_binary_frame_closes_with_1003(system: System, registered: str) -> None:
    async def scenario() -> int | None:
        async with websockets.connect(f"{system.gateway_url}/{registered}", subprotocols=["ocpp2.0.1"]) as ws:
            await ws.send(b"\x00\x01")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert asyncio.run(scenario()) == 1003


def test_newer_connection_replaces_older(api: Api, system: System, registered: str) -> None:
    async def scenario() -> None:
        url = f"{system.gateway_url}/{registered}"
        async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as first:
            async with websockets.connect(url, subprotocols=["ocpp2.0.1"]) as second:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(first.recv(), 5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
                await second.send('[2,"hb-2","Heartbeat",{}]')
                reply = json.loads(await asyncio.wait_for(second.recv(), 5))
                assert reply[:2] == [3, "hb-2"]

    asyncio.run(scenario())
