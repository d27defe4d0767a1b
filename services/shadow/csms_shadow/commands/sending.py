"""The one way the shadow service sends a CSMS->station call: the frame on ``{cp}/call`` and a ``sent``
record in the command log, which the handler completes with the station's answer."""

from __future__ import annotations

from csms_common import topics
from csms_common.commands import CommandState, command_event
from csms_common.mqtt_async import AsyncMqttClient
from csms_common.ocpp.frames import Call
from csms_shadow.transactions.records import Records


async def send_call(
    client: AsyncMqttClient,
    records: Records,
    station_id: str,
    call: Call,
    version: str,
    origin: str | None = None,
) -> None:
    """Publish ``call`` to the station and record it as sent (``version``: ``1.6``, ``2.0.1``...;
    ``origin``: who sent it, when not the remote-api's path)."""
    await client.publish(topics.station_call(station_id), call.to_json(), qos=1)
    await records.record_command(
        station_id,
        command_event(
            call.message_id,
            CommandState.SENT,
            action=call.action,
            request=call.payload,
            version=version,
            origin=origin,
        ),
    )
