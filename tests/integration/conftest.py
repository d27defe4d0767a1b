"""Fixtures of the integration tier: one library part against a real, private Mosquitto (and Redis).

Between the unit tests (pure logic) and the end-to-end tests (the four services as processes):
here a test drives one component, such as the MQTT client, in its own process against real
infrastructure started on free ports, with no service processes. Tests that restart or
reconfigure a broker get their own; the rest share one per module.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from csms_common.config import Environment, MqttSettings
from csms_shadow.storage.redis_config import RedisMode, RedisSettings
from tests.support import infra, redis_topologies


def settings_for(broker: infra.RunningService, user: str | None = None) -> MqttSettings:
    """Client settings for ``broker``, logged in as ``user`` (the broker URL's test user by default)."""
    parts = urlsplit(broker.url)
    password = broker.passwords[user] if user is not None else parts.password
    return MqttSettings(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 1883,
        username=user if user is not None else parts.username,
        password=password,
        tls=False,
        keepalive=30,
    )


@pytest.fixture(scope="module")
def shared_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.RunningService]:
    """The locked-down broker of `make run` (users, ACL), for tests that do not restart it."""
    with infra.mosquitto(tmp_path_factory.mktemp("mosquitto")) as service:
        yield service


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[infra.RunningService]:
    """A locked-down broker of the test's own, which it may stop and restart."""
    with infra.mosquitto(tmp_path / "mosquitto") as service:
        yield service


@dataclass(frozen=True)
class PlainBroker:
    port: int
    receive_maximum: int

    def settings(self) -> MqttSettings:
        return MqttSettings("127.0.0.1", self.port, None, None, tls=False, keepalive=30)


@pytest.fixture
def small_window_broker(tmp_path: Path) -> Iterator[PlainBroker]:
    """A broker announcing a Receive Maximum of 5 (anonymous, loopback only).

    Its own minimal configuration because the point is the flow-control number, which the
    locked-down broker fixes at 1,000; access control is not under test here.
    """
    port = infra.free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 5\n"
    )
    with (tmp_path / "mosquitto.log").open("wb") as log:
        process = subprocess.Popen(["mosquitto", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            infra.wait_for_port("127.0.0.1", port, 10)
            yield PlainBroker(port, receive_maximum=5)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis_topologies.RedisCluster]:
    """A private Redis Cluster: 3 masters, 3 replicas."""
    with redis_topologies.cluster(tmp_path_factory.mktemp("redis-cluster")) as topology:
        yield topology


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redis_topologies.SentinelSet]:
    """A private master, replica and three sentinels."""
    with redis_topologies.sentinel(tmp_path_factory.mktemp("redis-sentinel")) as topology:
        yield topology


@pytest.fixture(params=[mode.value for mode in RedisMode])
def redis_settings(request: pytest.FixtureRequest) -> RedisSettings:
    """The shadow service's Redis settings for each mode: a test using it runs once per mode."""
    mode = RedisMode(request.param)
    if mode is RedisMode.STANDALONE:
        service: infra.RunningService = request.getfixturevalue("redis_service")
        return RedisSettings(url=service.url)
    if mode is RedisMode.CLUSTER:
        return RedisSettings.from_environment(
            Environment(request.getfixturevalue("redis_cluster").environment())
        )
    return RedisSettings.from_environment(
        Environment(request.getfixturevalue("redis_sentinel").environment())
    )
