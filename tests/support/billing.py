"""A private system for the billing tests: its own broker and Redis, and the four services with the
shadow's billing settings of the test (a CostUpdated timer of a second, small caps)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.system import System


@contextlib.contextmanager
def billing_system(tmp_path_factory: pytest.TempPathFactory, **shadow_settings: str) -> Iterator[System]:
    with (
        infra.mosquitto(tmp_path_factory.mktemp("billing-broker")) as broker,
        infra.redis(tmp_path_factory.mktemp("billing-redis")) as redis,
    ):
        system = System(Path(tmp_path_factory.mktemp("billing")), broker.url, redis.url, broker.passwords)
        try:
            for name in ("shadow", "ocpp-handler", "gateway", "remote-api"):
                overrides = shadow_settings if name == "shadow" else {}
                system.start(name, label=f"billing-{name}", **overrides)
            for service in system.processes.values():
                system.wait_ready(service)
            system.gateway_url = f"ws://127.0.0.1:{system.processes['billing-gateway'].env['GATEWAY_PORT']}"
            system.api_url = system.processes["billing-remote-api"].admin_url
            yield system
        finally:
            system.stop_all()
