"""The remote-api's only way out: MQTT requests to the shadow service and frames to stations."""

from __future__ import annotations

import json
from typing import Any

from csms_api.errors import ApiError
from csms_api.metrics import COMMANDS
from csms_common import topics
from csms_common.commands import CommandState, command_event
from csms_common.mqtt_message import PublishError
from csms_common.mqtt_rpc import RequestTimeout
from csms_common.mqtt_sync import ThreadedMqttClient
from csms_common.ocpp.frames import Call
from csms_common.responses import decode_response


def publish_failed(error: Exception) -> ApiError:
    """The reference's 500: ``{"error": "Failed to publish message: ..."}``."""
    return ApiError(500, f"Failed to publish message: {error}")


class ApiBus:
    """Registry and shadow requests (answered by the shadow service) and commands to stations."""

    def __init__(self, client: ThreadedMqttClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    @property
    def is_connected(self) -> bool:
        return self._client.is_connected

    def registry(self, method: topics.RegistryMethod, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._request(topics.shadow_request(method), body)

    def shadow(self, station_id: str) -> tuple[int, dict[str, Any]]:
        return self._request(topics.shadow_get(station_id), {})

    def _request(self, topic: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            response = self._client.request(topic, body, self._timeout)
            status, answer = decode_response(response)
        except PublishError as error:
            raise publish_failed(error) from error
        except RequestTimeout as error:
            raise ApiError(503, "Registry unavailable: the shadow service did not answer") from error
        except ValueError as error:
            raise ApiError(502, f"Invalid answer from the shadow service: {error}") from error
        if status == 503:
            raise ApiError(503, str(answer.get("error") or answer.get("message") or "Registry unavailable"))
        return status, answer

    def send_call(
        self, station_id: str, call: Call, version: str, wait: float | None = None
    ) -> dict[str, Any] | None:
        """Publish a CSMS→station call on ``{cp}/call`` and record it as sent.

        With ``wait``, block until the station's answer (or the gateway's report that there will be
        none) and return that command event; None means nothing came within ``wait`` seconds.
        """
        sent = command_event(
            call.message_id, CommandState.SENT, action=call.action, request=call.payload, version=version
        )
        try:
            with self._client.expect_response() as pending:
                self._client.publish(
                    topics.station_call(station_id),
                    call.to_json(),
                    timeout=self._timeout,
                    response_topic=self._client.inbox if wait is not None else None,
                    correlation_data=pending.correlation if wait is not None else None,
                )
                COMMANDS.labels(call.action, version).inc()
                self._client.publish(
                    topics.station_event(topics.StationEvent.COMMANDS, station_id),
                    json.dumps(sent),
                    timeout=self._timeout,
                )
                if wait is None:
                    return None
                try:
                    answer = pending.wait(wait, call.action)
                except RequestTimeout:
                    return None
        except PublishError as error:
            raise publish_failed(error) from error
        event = json.loads(answer.payload)
        return event if isinstance(event, dict) else None

    def refresh_gateways(self, station_id: str) -> None:
        """Make gateways forget cached handshake answers for the station (its credentials changed)."""
        body = json.dumps({"command": "refresh"})
        try:
            self._client.publish(topics.station_control(station_id), body, timeout=self._timeout)
        except PublishError as error:
            raise publish_failed(error) from error

    def disconnect(self, station_id: str, reason: str) -> None:
        """Ask whichever gateway holds the station to close its connection."""
        body = json.dumps({"command": "disconnect", "reason": reason})
        try:
            self._client.publish(topics.station_control(station_id), body, timeout=self._timeout)
        except PublishError as error:
            raise publish_failed(error) from error

    def audit(self, record: dict[str, Any]) -> None:
        """Publish an audit record (QoS 1; the shadow service keeps it)."""
        try:
            self._client.publish(topics.AUDIT_RECORDS, json.dumps(record), timeout=self._timeout)
        except PublishError as error:
            raise publish_failed(error) from error
