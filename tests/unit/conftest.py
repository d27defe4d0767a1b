"""Shared fixtures of the unit tests: objects that are costly to build are built once."""

from __future__ import annotations

import pytest

from csms_common.ocpp.schemas import SchemaRegistry


@pytest.fixture(scope="session")
def schemas() -> SchemaRegistry:
    """Every version's validators, read from the ocpp library once for the whole session."""
    return SchemaRegistry()
