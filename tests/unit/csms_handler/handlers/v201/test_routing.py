"""The 2.x routing table: which actions it routes, and that each has its golden test module."""

from __future__ import annotations

import importlib

import pytest

from csms_common.ocpp.schemas import SchemaRegistry
from csms_common.ocpp.versions import OcppVersion
from csms_handler.handlers.v201 import V201_ROUTES
from tests.unit.csms_handler.handlers.v201.golden import V20, V21, V201

NEW_ACTIONS = {
    "Authorize",
    "MeterValues",
    "NotifyReport",
    "NotifyEvent",
    "SecurityEventNotification",
    "LogStatusNotification",
    "FirmwareStatusNotification",
    "PublishFirmwareStatusNotification",
    "DataTransfer",
    "SignCertificate",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "ReservationStatusUpdate",
    "NotifyChargingLimit",
    "ClearedChargingLimit",
    "ReportChargingProfiles",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyMonitoringReport",
    "NotifyDisplayMessages",
    "NotifyCustomerInformation",
}
FIRST_FOUR = {"BootNotification", "Heartbeat", "StatusNotification", "TransactionEvent"}


def test_the_routing_table_has_every_new_action_and_keeps_the_first_four() -> None:
    assert set(V201_ROUTES) == NEW_ACTIONS | FIRST_FOUR


@pytest.mark.parametrize("action", sorted(NEW_ACTIONS))
def test_every_new_action_has_golden_cases_in_the_module_named_after_its_handler(action: str) -> None:
    handler_module = V201_ROUTES[action].handler.__module__.rsplit(".", 1)[-1]
    tests = importlib.import_module(f"tests.unit.csms_handler.handlers.v201.test_{handler_module}")
    assert tests.CASES
    assert {case.action for case in tests.CASES} == {action}


@pytest.mark.parametrize("version", [V20, V201, V21])
def test_every_routed_action_is_an_action_of_every_2x_version(
    schemas: SchemaRegistry, version: OcppVersion
) -> None:
    assert set(V201_ROUTES) <= schemas.actions(version)
