"""Processors with routing tables built for a test: the shipped routes with one action rerouted."""

from __future__ import annotations

from types import MappingProxyType

from csms_common.ocpp.schemas import SchemaRegistry
from csms_handler.budgets import StationLimits
from csms_handler.context import AnyRoute
from csms_handler.processor import FrameProcessor
from csms_handler.routing import Routing, shipped_routing

INTERVAL = 300


def routing_with(action: str, route: AnyRoute) -> Routing:
    """The shipped routing, with ``action`` routed to ``route`` in every version."""
    shipped = shipped_routing()
    calls = {version: MappingProxyType({**table, action: route}) for version, table in shipped.calls.items()}
    return Routing(MappingProxyType(calls), shipped.answers)


def processor_with(
    schemas: SchemaRegistry,
    action: str,
    route: AnyRoute,
    heartbeat_interval: int = INTERVAL,
    limits: StationLimits | None = None,
) -> FrameProcessor:
    return FrameProcessor(schemas, routing_with(action, route), heartbeat_interval, limits)
