"""Hundreds of idle TCP sockets and half-done handshakes do not keep a well-behaved station out."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import requests

from tests.support.adversary import extra_gateway, gateway_url, handshake_seconds, latency_bound, percentile
from tests.support.api import Api
from tests.support.system import System

pytestmark = pytest.mark.e2e

ATTACK_ADDRESSES = 4
SOCKETS_PER_ADDRESS = 150
PER_ADDRESS_CAP = 64
HANDSHAKE_TIMEOUT = 3.0


def open_idle_sockets(port: int) -> tuple[list[socket.socket], int]:
    """Idle TCP connections (half of them with a partial HTTP request), from several addresses."""
    held: list[socket.socket] = []
    for address in range(ATTACK_ADDRESSES):
        for index in range(SOCKETS_PER_ADDRESS):
            sock = socket.socket()
            sock.bind((f"127.0.1.{address + 1}", 0))
            sock.settimeout(2)
            try:
                sock.connect(("127.0.0.1", port))
                if index % 2:
                    sock.sendall(b"GET /x HTTP/1.1\r\nHost: a\r\n")  # never finished
            except OSError:
                sock.close()
                continue
            held.append(sock)
    # Refusals are written at once; one short wait sees them all (the rest stay silent, pending).
    time.sleep(0.5)
    refused = 0
    for sock in held:
        sock.setblocking(False)
        try:
            if sock.recv(64).startswith(b"HTTP/1.1 503"):
                refused += 1
        except BlockingIOError:
            pass
        except OSError:
            pass
    return held, refused


def test_idle_and_half_done_handshakes_do_not_starve_a_station(
    system: System, api: Api, station_id: str
) -> None:
    api.register(station_id)
    with extra_gateway(
        system,
        "gateway-pending",
        GATEWAY_HANDSHAKE_TIMEOUT=str(HANDSHAKE_TIMEOUT),
        GATEWAY_MAX_PENDING_PER_ADDRESS=str(PER_ADDRESS_CAP),
        GATEWAY_MAX_PENDING_HANDSHAKES="512",
        GATEWAY_HANDSHAKE_STATION_RATE="100",
        GATEWAY_HANDSHAKE_STATION_BURST="100",
    ) as gateway:
        url = gateway_url(gateway)
        port = int(gateway.env["GATEWAY_PORT"])

        async def handshakes(count: int) -> list[float]:
            seconds = []
            for _ in range(count):
                status, took = await handshake_seconds(f"{url}/{station_id}")
                assert status == 101
                seconds.append(took)
            return seconds

        idle = asyncio.run(handshakes(20))
        held, refused = open_idle_sockets(port)
        try:
            metrics = requests.get(f"{gateway.admin_url}/metrics", timeout=5).text
            pending = next(
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("csms_gateway_pending_handshakes ")
            )
            busy = asyncio.run(handshakes(20))
            # The handshake timeout closes what is still idle.
            asyncio.run(asyncio.sleep(HANDSHAKE_TIMEOUT + 1))
            closed = 0
            for sock in held:
                sock.settimeout(0.5)
                try:
                    closed += sock.recv(4096) in (b"",) or 0
                except ConnectionResetError:
                    closed += 1
                except OSError:
                    pass
        finally:
            for sock in held:
                sock.close()
    idle_p99, busy_p99 = percentile(idle, 0.99), percentile(busy, 0.99)
    attempted = ATTACK_ADDRESSES * SOCKETS_PER_ADDRESS
    print(
        f"\nhandshake exhaustion: {attempted} idle/half-done sockets from {ATTACK_ADDRESSES} addresses, "
        f"{len(held)} connected, {refused} got 503 at once (cap {PER_ADDRESS_CAP} pending per address), "
        f"{pending:.0f} pending at the gateway, {closed} closed by the {HANDSHAKE_TIMEOUT:g} s handshake "
        f"timeout; legit handshake p99 {idle_p99 * 1000:.1f} ms idle, {busy_p99 * 1000:.1f} ms meanwhile"
    )
    assert pending <= ATTACK_ADDRESSES * PER_ADDRESS_CAP
    assert refused >= attempted - ATTACK_ADDRESSES * PER_ADDRESS_CAP - 10
    assert closed >= len(held) - refused - 10
    assert busy_p99 <= latency_bound(idle_p99)
