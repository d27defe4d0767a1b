"""Watch MQTT topics from a test, with a plain paho client on its own thread."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from csms_common.properties import read_user_properties


@dataclass(frozen=True)
class Observed:
    topic: str
    payload: bytes
    user_properties: dict[str, str]


class MqttObserver:
    def __init__(self, url: str, *filters: str) -> None:
        parts = urlsplit(url)
        self._messages: queue.Queue[Observed] = queue.Queue()
        self._subscribed = queue.Queue[int]()
        self._client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self._client.on_message = lambda c, u, m: self._messages.put(
            Observed(m.topic, bytes(m.payload), read_user_properties(getattr(m, "properties", None)))
        )
        self._client.on_subscribe = lambda c, u, mid, codes, props: self._subscribed.put(mid)
        if parts.username:
            self._client.username_pw_set(parts.username, parts.password)
        self._client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self._client.loop_start()
        for topic_filter in filters:
            self._client.subscribe(topic_filter, qos=1)
            self._subscribed.get(timeout=5)

    def next(self, timeout: float = 5.0, topic: str | None = None) -> Observed:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no message on {topic or 'the observed topics'} within {timeout}s")
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty as error:
                raise TimeoutError(f"no message on {topic or 'the observed topics'}") from error
            if topic is None or message.topic == topic:
                return message

    def publish(self, topic: str, payload: str) -> None:
        self._client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
