"""Where the shadow service's Redis is: one server, a Sentinel-watched master, or a Cluster."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from csms_common.config import DEFAULT_REDIS_URL, ConfigError, Environment


class RedisMode(StrEnum):
    STANDALONE = "standalone"
    """REDIS_URL names the one server (`make run`)."""
    SENTINEL = "sentinel"
    """REDIS_SENTINELS find the master REDIS_SENTINEL_MASTER; a failover is followed."""
    CLUSTER = "cluster"
    """REDIS_CLUSTER_NODES are some of the cluster's nodes; the client learns the rest."""


Address = tuple[str, int]


def parse_addresses(name: str, raw: str) -> tuple[Address, ...]:
    """``host:port,host:port`` (spaces allowed) as a tuple of addresses; a bad entry is a ConfigError."""
    addresses: list[Address] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        host, separator, port = entry.rpartition(":")
        if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"{name}: {entry!r} is not host:port")
        addresses.append((host.strip("[]"), int(port)))
    return tuple(addresses)


@dataclass(frozen=True)
class RedisSettings:
    """How to reach Redis. REDIS_URL carries the credentials, TLS (rediss://) and database in every
    mode; its host and port are used only in standalone mode."""

    url: str = DEFAULT_REDIS_URL
    mode: RedisMode = RedisMode.STANDALONE
    sentinels: tuple[Address, ...] = ()
    sentinel_master: str = "csms"
    cluster_nodes: tuple[Address, ...] = ()
    connections: int = 32
    """Connections to Redis (per node in cluster mode); a busy moment waits for a free one."""
    retries: int = 10
    """Attempts after a connection error, a timeout or a cluster redirection (failover cover)."""

    @classmethod
    def from_environment(cls, env: Environment) -> RedisSettings:
        url = env.text("REDIS_URL", DEFAULT_REDIS_URL, about="Redis holding registry, shadows, presence")
        mode = RedisMode(
            env.choice(
                "REDIS_MODE",
                RedisMode.STANDALONE.value,
                tuple(mode.value for mode in RedisMode),
                about="one server (REDIS_URL), a Sentinel-watched master, or a Redis Cluster",
            )
        )
        sentinels = parse_addresses(
            "REDIS_SENTINELS",
            env.text("REDIS_SENTINELS", "", about="sentinel mode: host:port,... of the sentinels"),
        )
        sentinel_master = env.text(
            "REDIS_SENTINEL_MASTER", "csms", about="sentinel mode: the master's name in the sentinels"
        )
        cluster_nodes = parse_addresses(
            "REDIS_CLUSTER_NODES",
            env.text("REDIS_CLUSTER_NODES", "", about="cluster mode: host:port,... of some cluster nodes"),
        )
        connections = env.integer(
            "SHADOW_REDIS_CONNECTIONS",
            32,
            minimum=2,
            about="connections to Redis (per node in cluster mode); more requests wait for one",
        )
        retries = env.integer(
            "REDIS_RETRIES",
            10,
            minimum=0,
            about="retries after a Redis connection error, timeout or failover (exponential backoff to 1 s)",
        )
        if mode is RedisMode.SENTINEL and not sentinels:
            raise ConfigError("REDIS_MODE=sentinel needs REDIS_SENTINELS (host:port,...)")
        if mode is RedisMode.CLUSTER and not cluster_nodes:
            raise ConfigError("REDIS_MODE=cluster needs REDIS_CLUSTER_NODES (host:port,...)")
        if mode is RedisMode.CLUSTER and urlsplit(url).path.strip("/") not in ("", "0"):
            raise ConfigError("REDIS_MODE=cluster has only database 0: REDIS_URL must not name another")
        return cls(url, mode, sentinels, sentinel_master, cluster_nodes, connections, retries)
