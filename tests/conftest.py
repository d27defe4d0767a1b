"""Session fixtures: a private broker and Redis, and the four services as real processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.api import Api
from tests.support.system import System


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.RunningService]:
    with infra.mosquitto(tmp_path_factory.mktemp("mosquitto")) as service:
        yield service


@pytest.fixture(scope="session")
def redis_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.RunningService]:
    with infra.redis(tmp_path_factory.mktemp("redis")) as service:
        yield service


@pytest.fixture(scope="session")
def system(
    broker: infra.RunningService,
    redis_service: infra.RunningService,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    with System(
        Path(tmp_path_factory.mktemp("services")), broker.url, redis_service.url, broker.passwords
    ).running() as running:
        yield running


@pytest.fixture
def api(system: System) -> Api:
    return Api(system.api_url)


@pytest.fixture
def station_id() -> str:
    """A fresh id per test, so tests share the services without sharing state."""
    return f"CP-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def registered(api: Api, station_id: str) -> str:
    api.register(station_id)
    return station_id
