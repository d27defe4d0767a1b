"""Handler CPU per call, without I/O: the Heartbeat handler alone, and a whole frame through the processor.

Also the realistic mix's sample (TransactionEvent Updated with 7 sampled values, bench/frames.py) as sent,
with integral floats such as ``16.0``, and with those values made non-integral: a float like 16.0 makes
SchemaRegistry drop its fastjsonschema result and validate again with jsonschema (draft 4 has no
integral floats), which is the handler's largest cost under the realistic mix (bench/README.md).

``make bench-handler``. Prints the best of several timeit repeats, in CPU microseconds per call;
compare runs on the same machine (the shared CI cores make single runs noisy).
"""

from __future__ import annotations

import json
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from bench.frames import transaction_event
from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.types.v201 import HeartbeatRequest
from csms_common.ocpp.versions import OcppVersion
from csms_handler.context import CallContext
from csms_handler.handlers.v201.heartbeat import heartbeat
from csms_handler.processor import FrameProcessor, StationFrame
from csms_handler.routing import shipped_routing

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
CALLS = 20_000
REPEATS = 7
SLOW_CALLS = 500
"""For frames that take the jsonschema path (about 1 ms each)."""


def _processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), heartbeat_interval=300)


def _best_us(statement: Callable[[], object], calls: int = CALLS) -> float:
    # CPU time of this process, not wall time: on shared cores, time spent descheduled is not the handler's.
    timer = timeit.Timer(statement, timer=time.process_time)
    return min(timer.repeat(REPEATS, calls)) / calls * 1e6


def realistic_samples() -> dict[str, list[object]]:
    """The realistic mix's TransactionEvent Updated as sent (16.0, 11040.0) and with non-integral values."""
    _, payload = transaction_event(
        "Updated",
        seq_no=3,
        transaction_id="T-1",
        timestamp="2026-12-03T10:00:00Z",
        watt_hours=1650,
        full=True,
    )
    as_sent = json.loads(json.dumps(payload))
    fractional = json.loads(json.dumps(payload))
    for value in fractional["meterValue"][0]["sampledValue"]:
        if isinstance(value["value"], float) and value["value"].is_integer():
            value["value"] += 0.25
    return {
        "TransactionEvent Updated, 7 sampled values as sent (16.0)": [2, "m-3", "TransactionEvent", as_sent],
        "TransactionEvent Updated, 7 sampled values, no integral float": [
            2,
            "m-4",
            "TransactionEvent",
            fractional,
        ],
    }


def main() -> None:
    schemas = SchemaRegistry((OcppVersion.V16, OcppVersion.V201))
    processor = _processor(schemas)
    context = CallContext("CP-1", OcppVersion.V201, "m-1", NOW, 300)
    request: HeartbeatRequest = {}
    frames = {
        "Heartbeat": [2, "m-1", "Heartbeat", {}],
        "StatusNotification": [
            2,
            "m-2",
            "StatusNotification",
            {
                "timestamp": "2026-12-03T10:00:00Z",
                "connectorStatus": "Available",
                "evseId": 1,
                "connectorId": 1,
            },
        ],
    }
    print(f"handler Heartbeat (2.0.1) alone: {_best_us(lambda: heartbeat(request, context)):.2f} µs")
    for action, frame in frames.items():
        station_frame = StationFrame("CP-1", OcppVersion.V201, json.dumps(frame).encode())
        spent = _best_us(partial(processor.process, station_frame, NOW))
        print(f"processor {action} (2.0.1 frame → reply and effects): {spent:.2f} µs")
    for label, frame in realistic_samples().items():
        station_frame = StationFrame("CP-1", OcppVersion.V201, json.dumps(frame).encode())
        spent = _best_us(partial(processor.process, station_frame, NOW), SLOW_CALLS)
        print(f"processor {label}: {spent:.2f} µs")


if __name__ == "__main__":
    main()
