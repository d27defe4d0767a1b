"""The FrameProcessor under test: the shipped routing, the tests' heartbeat interval."""

from __future__ import annotations

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.processor import FrameProcessor
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.processor.frames import INTERVAL


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), heartbeat_interval=INTERVAL)
