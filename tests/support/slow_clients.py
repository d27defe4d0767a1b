"""Misbehaving HTTP clients for the remote-api's isolation tests: slowloris, a silent station, latency."""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import threading
import time

import requests
import websockets


class SlowLoris:
    """``count`` connections that send a request line and then one header line a second, never ending
    the headers; a connection the server closes is opened again (as an attacker would)."""

    def __init__(self, host: str, port: int, count: int, interval: float = 1.0) -> None:
        self._address = (host, port)
        self._count = count
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowloris", daemon=True)
        self.closed_by_server = 0
        self.opened = 0

    def __enter__(self) -> SlowLoris:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _open(self) -> socket.socket:
        connection = socket.create_connection(self._address, timeout=5)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        connection.setblocking(False)
        self.opened += 1
        return connection

    def _run(self) -> None:
        connections = [self._open() for _ in range(self._count)]
        try:
            while not self._stop.wait(self._interval):
                for index, connection in enumerate(connections):
                    if self._closed(connection):
                        self.closed_by_server += 1
                        connection.close()
                        connections[index] = self._open()
                        continue
                    with contextlib.suppress(BlockingIOError):
                        connection.send(b"X-Slow: 1\r\n")
        finally:
            for connection in connections:
                connection.close()

    @staticmethod
    def _closed(connection: socket.socket) -> bool:
        # Anything the server sends (an error answer, or the end of the stream) means it gave up on us.
        try:
            connection.recv(4096)
        except BlockingIOError:
            return False
        except OSError:
            return True
        return True


class SilentStation:
    """A 2.0.1 station connected to the gateway that never answers a call (in its own thread)."""

    def __init__(self, gateway_url: str, station_id: str) -> None:
        self._url = f"{gateway_url}/{station_id}"
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._hold()), daemon=True)

    async def _hold(self) -> None:
        async with websockets.connect(self._url, subprotocols=["ocpp2.0.1"]) as ws:
            self._connected.set()
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ws.recv(), 0.2)

    def __enter__(self) -> SilentStation:
        self._thread.start()
        if not self._connected.wait(10):
            raise TimeoutError(f"station did not connect to {self._url}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)


def p99_seconds(url: str, token: str, count: int, timeout: float = 5.0) -> float:
    """The 99th percentile of ``count`` sequential GETs on one keep-alive connection; a request that
    fails or times out counts as ``timeout`` (and once more than 1% did, the p99 is ``timeout``)."""
    latencies: list[float] = []
    failures_left = count - math.ceil(0.99 * count)
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for _ in range(count):
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=timeout).status_code == 200
            except requests.RequestException:
                ok = False
            if not ok:
                failures_left -= 1
                if failures_left < 0:
                    return timeout
            latencies.append(time.perf_counter() - started if ok else timeout)
    latencies.sort()
    return latencies[math.ceil(0.99 * len(latencies)) - 1]
