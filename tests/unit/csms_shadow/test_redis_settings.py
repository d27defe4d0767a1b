"""Redis settings: the three modes, their address lists, and the combinations refused at start-up."""

from __future__ import annotations

import pytest

from csms_common.config import ConfigError, Environment
from csms_shadow.storage.redis_config import RedisMode, RedisSettings, parse_addresses


def test_standalone_is_the_default() -> None:
    settings = RedisSettings.from_environment(Environment({}))
    assert settings == RedisSettings()
    assert (settings.mode, settings.url, settings.connections) == (
        RedisMode.STANDALONE,
        "redis://127.0.0.1:6379/0",
        32,
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"REDIS_MODE": "sentinel", "REDIS_SENTINELS": "s1:26379, s2:26379,s3:26380"},
            {"sentinels": (("s1", 26379), ("s2", 26379), ("s3", 26380)), "sentinel_master": "csms"},
        ),
        (
            {"REDIS_MODE": "sentinel", "REDIS_SENTINELS": "[::1]:26379", "REDIS_SENTINEL_MASTER": "main"},
            {"sentinels": (("::1", 26379),), "sentinel_master": "main"},
        ),
        (
            {
                "REDIS_MODE": "cluster",
                "REDIS_CLUSTER_NODES": "r-0:6379,r-1:6379",
                "REDIS_URL": "redis://:pw@x/0",
            },
            {"cluster_nodes": (("r-0", 6379), ("r-1", 6379)), "url": "redis://:pw@x/0"},
        ),
    ],
)
def test_sentinel_and_cluster_addresses(environment: dict[str, str], expected: dict[str, object]) -> None:
    settings = RedisSettings.from_environment(Environment(environment))
    assert settings.mode == RedisMode(environment["REDIS_MODE"])
    assert {name: getattr(settings, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"REDIS_MODE": "sentinel"}, "REDIS_SENTINELS"),
        ({"REDIS_MODE": "cluster"}, "REDIS_CLUSTER_NODES"),
        ({"REDIS_MODE": "cluster", "REDIS_CLUSTER_NODES": "a:1", "REDIS_URL": "redis://a:1/3"}, "database 0"),
        ({"REDIS_MODE": "replicated"}, "REDIS_MODE"),
        ({"REDIS_MODE": "cluster", "REDIS_CLUSTER_NODES": "a:1,b"}, "'b' is not host:port"),
        ({"REDIS_MODE": "cluster", "REDIS_CLUSTER_NODES": "a:70000"}, "'a:70000' is not host:port"),
    ],
)
def test_bad_combinations_are_refused(environment: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RedisSettings.from_environment(Environment(environment))


def test_empty_entries_are_skipped() -> None:
    assert parse_addresses("X", " a:1 ,, b:2 ,") == (("a", 1), ("b", 2))
