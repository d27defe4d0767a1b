"""Every reach into gmqtt's internals, in one module, checked against the version it was written for.

gmqtt offers no public way to do four things ``csms_common.mqtt_async`` needs, so this
module does them through private attributes of gmqtt 0.8:

* read a PUBACK's reason code (gmqtt frees the packet id without looking at it, a TODO in
  its handler), so a publish the broker's ACL refuses fails instead of passing as delivered;
* read the broker's own Receive Maximum from CONNACK (gmqtt's merged ``properties`` let the
  client's CONNECT value hide it);
* give packet ids their full range (gmqtt caps the pool shared by PUBLISH, SUBSCRIBE and
  UNSUBSCRIBE at the Receive Maximum, which the spec applies to QoS 1/2 PUBLISHes only);
* join the writes of one event-loop iteration into one ``send`` (gmqtt writes each packet
  with its own system call).

Importing this module with any other gmqtt series raises ``GmqttVersionError`` at once,
rather than letting a renamed attribute break publishing at run time; the pin in
pyproject.toml names the same series. Moving to a new gmqtt means re-reading the
functions below against its source and updating ``WRITTEN_FOR``.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import struct
from collections.abc import Callable
from typing import Any

import gmqtt
from gmqtt.mqtt.handler import MqttPackageHandler
from gmqtt.storage import PersistentStorage

WRITTEN_FOR = (0, 8)
"""The gmqtt release series (major, minor) whose internals this module was written against."""

FULL_PACKET_ID_RANGE = 65_535
"""Packet ids are 16-bit and non-zero (MQTT 5 §2.2.1)."""


class GmqttVersionError(ImportError):
    """The installed gmqtt is not the series this module's private accesses were written for."""


def check_version(installed: str) -> None:
    """Raise GmqttVersionError unless ``installed`` is in the ``WRITTEN_FOR`` series."""
    try:
        series = tuple(int(part) for part in installed.split(".")[:2])
    except ValueError as error:
        raise GmqttVersionError(f"gmqtt version {installed!r} cannot be read") from error
    if series != WRITTEN_FOR:
        wanted = ".".join(str(part) for part in WRITTEN_FOR)
        raise GmqttVersionError(
            f"gmqtt {installed} is installed; csms_common.gmqtt_compat reaches into the internals "
            f"of gmqtt {wanted}.x only (re-check it against the new source before widening the pin)"
        )


def _check_structure() -> None:
    """The class-level names used below exist (instance attributes are checked where used)."""
    for name in ("_handle_puback_packet", "_apply_receive_maximum"):
        if not callable(getattr(MqttPackageHandler, name, None)):
            raise GmqttVersionError(f"gmqtt's MqttPackageHandler has no {name}: its internals changed")


check_version(importlib.metadata.version("gmqtt"))
_check_structure()


class PublishTracker(PersistentStorage):  # type: ignore[misc]
    """gmqtt's in-flight store, which also tells the client each publish's packet id.

    gmqtt pushes every QoS 1 packet here, synchronously inside ``publish``, under
    the id its PUBACK will carry; the store is gmqtt's documented extension point.
    """

    def __init__(self, on_cleared: Callable[[], None]) -> None:
        super().__init__()
        self.last_mid: int | None = None
        self._on_cleared = on_cleared

    def push_message(self, mid: int, raw_package: bytes) -> None:
        self.last_mid = mid
        super().push_message(mid, raw_package)

    def clear(self) -> None:
        # The broker kept no session: what was in flight will never be acknowledged.
        super().clear()
        self._on_cleared()


def observe_pubacks(client: gmqtt.Client, on_puback: Callable[[int, int], None]) -> None:
    """Call ``on_puback(packet_id, reason_code)`` for every PUBACK, before gmqtt frees the id."""
    handler = client._package_handler
    original = handler._handle_puback_packet

    def handle_puback(cmd: int, packet: bytes) -> None:
        (mid,) = struct.unpack("!H", packet[:2])
        # A PUBACK without a reason code means success (MQTT 5 §3.4.2.1).
        on_puback(mid, packet[2] if len(packet) > 2 else 0)
        original(cmd, packet)

    handler._handle_puback_packet = handle_puback
    # gmqtt looks handlers up once per packet type and caches the bound method.
    handler._handler_cache.clear()


def connack_receive_maximum(client: gmqtt.Client) -> int | None:
    """The Receive Maximum the broker announced in its last CONNACK, or None if it named none."""
    announced = client._package_handler._connack_properties.get("receive_maximum")
    return int(announced[0]) if announced else None


def widen_packet_ids(client: gmqtt.Client) -> None:
    """Let packet ids use their whole range again after gmqtt capped them at the Receive Maximum.

    Called from on_connect: gmqtt applies the CONNACK's cap just before it calls back.
    """
    client._package_handler.id_generator._max = FULL_PACKET_ID_RANGE


class CoalescingTransport:
    """Hands the socket everything written during one event-loop iteration in one write.

    gmqtt writes each packet (every PUBLISH, every PUBACK) with its own ``transport.write``,
    that is its own ``send`` system call; with hundreds of stations' calls in flight most
    iterations write dozens of packets. py-spy put that write at 19-27 % of the gateway's
    and the handler's time. Nothing waits longer: the joined write happens at the end of
    the same iteration.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.write(b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def coalesce_writes(client: gmqtt.Client) -> None:
    """Point the current connection's writes at a CoalescingTransport (once per connection).

    gmqtt keeps the transport on its connection and protocol objects, a new pair per
    (re)connection, so this is called from every on_connect.
    """
    connection = client._connection
    if isinstance(connection._transport, CoalescingTransport):
        return
    coalescing = CoalescingTransport(connection._transport, asyncio.get_running_loop())
    connection._transport = coalescing
    connection._protocol._transport = coalescing
