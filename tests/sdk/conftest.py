"""Fixtures of the SDK and CLI tests: clients of the running system, and an API with a tight rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from csms_sdk import Client
from tests.support.system import API_TOKEN, System

RATE_LIMITED_COMMAND_RATE = 0.5
"""Commands per second per station of the rate-limited API: one token every 2 s, so Retry-After is 2."""


@pytest.fixture
def client(system: System) -> Iterator[Client]:
    with Client(system.api_url, token=API_TOKEN) as sdk_client:
        yield sdk_client


@pytest.fixture(scope="session")
def rate_limited_api_url(system: System) -> Iterator[str]:
    """A second remote-api on the same system with a burst of 1 command and 0.5 commands/s per station."""
    service = system.start(
        "remote-api",
        label="remote-api-sdk-rate-limited",
        API_COMMAND_RATE=str(RATE_LIMITED_COMMAND_RATE),
        API_COMMAND_BURST="1",
    )
    system.wait_ready(service)
    try:
        yield service.admin_url
    finally:
        service.stop()
