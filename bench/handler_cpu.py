"""Handler CPU per call, without I/O: the Heartbeat handler alone, and a whole frame through the processor.

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


def _processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), heartbeat_interval=300)


def _best_us(statement: Callable[[], object]) -> float:
    # CPU time of this process, not wall time: on shared cores, time spent descheduled is not the handler's.
    timer = timeit.Timer(statement, timer=time.process_time)
    return min(timer.repeat(REPEATS, CALLS)) / CALLS * 1e6


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


if __name__ == "__main__":
    main()
