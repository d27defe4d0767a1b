"""Budget settings: read once from the environment into the typed settings, with their defaults."""

from __future__ import annotations

import pytest

from csms_common.config import ConfigError, Environment
from csms_handler.budgets import StationLimits
from csms_handler.config import HandlerSettings
from csms_shadow.config import ShadowSettings
from csms_shadow.documents.budget import DocumentBudget, RecordBudget


def test_defaults_are_the_documented_ones() -> None:
    shadow = ShadowSettings.from_environment(Environment({}))
    assert shadow.document_budget == DocumentBudget()
    assert shadow.record_budget == RecordBudget()
    assert (shadow.document_budget.max_bytes, shadow.document_budget.max_keys) == (131072, 8192)
    assert dict(shadow.document_budget.map_caps) == {
        "reservations": 32,
        "configuration": 512,
        "chargingProfiles": 16,
    }
    assert HandlerSettings.from_environment(Environment({})).limits == StationLimits()


def test_every_budget_is_a_setting() -> None:
    shadow = ShadowSettings.from_environment(
        Environment(
            {
                "SHADOW_MAX_DOCUMENT_BYTES": "8192",
                "SHADOW_MAX_DOCUMENT_KEYS": "100",
                "SHADOW_MAX_RESERVATIONS": "4",
                "SHADOW_MAX_REPORTED_CONFIGURATION": "9",
                "SHADOW_MAX_REPORTED_PROFILES": "3",
                "SHADOW_MAX_TRANSACTIONS": "7",
                "SHADOW_MAX_OPEN_TRANSACTIONS": "2",
                "SHADOW_MAX_TRANSACTION_EVENTS": "5",
                "SHADOW_MAX_TRANSACTION_BYTES": "5000",
                "SHADOW_TRANSACTION_TTL": "3600",
            }
        )
    )
    assert shadow.document_budget == DocumentBudget(
        8192, 100, {"reservations": 4, "configuration": 9, "chargingProfiles": 3}
    )
    assert shadow.record_budget == RecordBudget(7, 2, 5, 5000, 3600)
    handler = HandlerSettings.from_environment(
        Environment(
            {
                "HANDLER_MAX_EVSE_ID": "2",
                "HANDLER_MAX_CONNECTOR_ID": "3",
                "HANDLER_MAX_SAMPLED_VALUES": "4",
                "HANDLER_MAX_METER_VALUE_CHARS": "50",
                "HANDLER_MAX_ANSWER_BYTES": "2048",
            }
        )
    )
    assert handler.limits == StationLimits(2, 3, 4, 50, 2048)


def test_a_budget_below_its_minimum_is_refused() -> None:
    with pytest.raises(ConfigError):
        ShadowSettings.from_environment(Environment({"SHADOW_MAX_TRANSACTION_EVENTS": "1"}))
