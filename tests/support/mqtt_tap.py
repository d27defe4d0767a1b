"""A TCP relay between one MQTT client and a real broker that watches the packets going through.

The integration tests put it in front of a real Mosquitto to see what a client does on the
wire: how many QoS 1 PUBLISHes it has awaiting their PUBACK (``max_unacknowledged``), and
what happens when its connection is cut (``cut``) while the broker keeps its session. It
relays bytes unchanged; ``ack_delay`` holds the broker's answers back a little, so a
client that ignored its window would show it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

PUBLISH = 3
PUBACK = 4


def split_packets(buffer: bytearray) -> list[tuple[int, int]]:
    """Remove the complete MQTT packets at the start of ``buffer``: (packet type, flags) each."""
    packets: list[tuple[int, int]] = []
    while len(buffer) >= 2:
        remaining, multiplier, index = 0, 1, 1
        while True:
            if index >= len(buffer):
                return packets
            byte = buffer[index]
            remaining += (byte & 0x7F) * multiplier
            multiplier *= 128
            index += 1
            if not byte & 0x80:
                break
        end = index + remaining
        if len(buffer) < end:
            return packets
        packets.append((buffer[0] >> 4, buffer[0] & 0x0F))
        del buffer[:end]
    return packets


@dataclass
class MqttTap:
    broker_host: str
    broker_port: int
    ack_delay: float = 0.0
    """Seconds each chunk from the broker waits before it is relayed to the client."""
    qos1_publishes: int = 0
    pubacks: int = 0
    max_unacknowledged: int = 0
    connections: int = 0
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on a free loopback port and return it."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        broker_reader, broker_writer = await asyncio.open_connection(self.broker_host, self.broker_port)
        self._writers += [client_writer, broker_writer]
        upstream = asyncio.create_task(
            self._pump(client_reader, broker_writer, self._count_client_packets, 0)
        )
        downstream = asyncio.create_task(
            self._pump(broker_reader, client_writer, self._count_broker_packets, self.ack_delay)
        )
        self._tasks |= {upstream, downstream}
        await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        for writer in (client_writer, broker_writer):
            writer.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        count: Callable[[int, int], None],
        delay: float,
    ) -> None:
        buffer = bytearray()
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                buffer += chunk
                if delay:
                    await asyncio.sleep(delay)
                for packet_type, flags in split_packets(buffer):
                    count(packet_type, flags)
                writer.write(chunk)
                await writer.drain()

    def _count_client_packets(self, packet_type: int, flags: int) -> None:
        if packet_type == PUBLISH and (flags >> 1) & 0x03 == 1:
            self.qos1_publishes += 1
            self.max_unacknowledged = max(self.max_unacknowledged, self.qos1_publishes - self.pubacks)

    def _count_broker_packets(self, packet_type: int, flags: int) -> None:
        if packet_type == PUBACK:
            self.pubacks += 1

    def cut(self) -> None:
        """Drop every relayed connection at once, as a failed network would."""
        writers, self._writers = self._writers, []
        for writer in writers:
            writer.transport.abort()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
