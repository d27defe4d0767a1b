"""Fixtures of the handler tests (1.6 and 2.x): the processor, and ``case`` from a GoldenTests subclass's cases."""

from __future__ import annotations

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.processor import FrameProcessor
from csms_handler.routing import shipped_routing
from tests.unit.csms_handler.handlers.v16.golden import INTERVAL


@pytest.fixture
def processor(schemas: SchemaRegistry) -> FrameProcessor:
    return FrameProcessor(schemas, shipped_routing(), INTERVAL)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    cases = getattr(metafunc.cls, "cases", None)
    if cases is not None and "case" in metafunc.fixturenames:
        metafunc.parametrize("case", cases, ids=[case.name for case in cases])
