"""The test relay's MQTT packet splitter (it counts packets; a miscount would hide a bug)."""

from __future__ import annotations

from tests.support.mqtt_tap import PUBACK, PUBLISH, split_packets


def test_complete_packets_are_split_and_a_partial_one_is_kept() -> None:
    publish_qos1 = bytes([0x32, 3]) + b"abc"
    long_publish = bytes([0x32, 0x80, 0x01]) + b"x" * 128  # remaining length 128: two length bytes
    puback = bytes([0x40, 2, 0, 1])
    buffer = bytearray(publish_qos1 + long_publish + puback + puback[:3])
    assert split_packets(buffer) == [(PUBLISH, 2), (PUBLISH, 2), (PUBACK, 0)]
    assert buffer == bytearray(puback[:3])
    buffer += puback[3:]
    assert split_packets(buffer) == [(PUBACK, 0)]
    assert buffer == bytearray()
