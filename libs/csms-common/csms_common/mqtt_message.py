"""The received-message value shared by the asyncio and threaded MQTT clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paho.mqtt.client import MQTTMessage

from csms_common.properties import read_user_properties


@dataclass(frozen=True)
class InboundMessage:
    """One MQTT message as the application sees it: topic, payload and MQTT 5 metadata."""

    topic: str
    payload: bytes
    qos: int = 0
    user_properties: dict[str, str] = field(default_factory=dict)
    response_topic: str | None = None
    correlation_data: bytes | None = None

    @classmethod
    def from_paho(cls, message: MQTTMessage) -> InboundMessage:
        properties = getattr(message, "properties", None)
        return cls(
            topic=message.topic,
            payload=bytes(message.payload),
            qos=message.qos,
            user_properties=read_user_properties(properties),
            response_topic=getattr(properties, "ResponseTopic", None),
            correlation_data=getattr(properties, "CorrelationData", None),
        )

    @classmethod
    def from_gmqtt(cls, topic: str, payload: bytes, qos: int, properties: dict[str, Any]) -> InboundMessage:
        """From gmqtt's callback arguments: each property arrives as a list of its values."""
        response_topic = properties.get("response_topic")
        correlation_data = properties.get("correlation_data")
        return cls(
            topic=topic,
            payload=payload,
            qos=qos,
            user_properties={str(key): str(value) for key, value in properties.get("user_property", ())},
            response_topic=response_topic[0] if response_topic else None,
            correlation_data=bytes(correlation_data[0]) if correlation_data else None,
        )

    def text(self) -> str:
        """The payload decoded as UTF-8 (raises UnicodeDecodeError for bytes that are not)."""
        return self.payload.decode("utf-8")


class PublishError(RuntimeError):
    """A message could not be handed to the broker (not connected, refused or not acknowledged)."""
