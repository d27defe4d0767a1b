"""The one place a Redis client is made, for any of the three modes (standalone, sentinel, cluster)."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from csms_shadow.storage.redis_config import RedisMode, RedisSettings

SOCKET_TIMEOUT = 5.0
"""Seconds a command or a connection attempt may take before it counts as failed (and is retried)."""
POOL_TIMEOUT = 5.0
"""Seconds a request waits for a free connection in standalone and sentinel mode."""


class BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """A Sentinel pool that waits for a free connection instead of raising "Too many connections",
    like the standalone pool: a burst of station calls queues for a moment instead of failing.

    Its Sentinel is made for it alone, so closing the pool (the client's ``aclose()``) closes the
    connections to the sentinels too."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        for sentinel in self.sentinel_manager.sentinels:
            await sentinel.aclose()


def retry_policy(settings: RedisSettings) -> Retry:
    """Backoff 50 ms doubling to 1 s: ``settings.retries`` attempts cover a failover of ~10 s."""
    return Retry(ExponentialBackoff(cap=1.0, base=0.05), settings.retries)


def redis_client(settings: RedisSettings) -> Redis:
    """A client for ``settings.mode``; reconnects, failovers and MOVED/ASK are redis-py's job.

    Every store is typed against :class:`Redis`. :class:`RedisCluster` offers the same commands,
    scripts and (single-slot) WATCH/MULTI pipelines without being its subclass, hence the cast:
    the stores only use what both have, and the cluster tests run them on a real cluster.
    """
    common: dict[str, Any] = {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": SOCKET_TIMEOUT,
        "retry": retry_policy(settings),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }
    if settings.mode is RedisMode.STANDALONE:
        # redis-py's default pool raises "Too many connections" when every connection is busy; a
        # burst of station calls would then be retried after a backoff. This pool makes it wait.
        pool = BlockingConnectionPool.from_url(
            settings.url, max_connections=settings.connections, timeout=POOL_TIMEOUT, **common
        )
        return Redis.from_pool(pool)
    # REDIS_URL's credentials, database and query options; its host and port name no node here.
    credentials: dict[str, Any] = {
        key: value
        for key, value in parse_url(settings.url).items()
        if key not in ("host", "port", "connection_class")
    }
    if settings.url.startswith("rediss://"):
        credentials["ssl"] = True
    if settings.mode is RedisMode.SENTINEL:
        sentinel = Sentinel(  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            list(settings.sentinels),
            sentinel_kwargs={"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": SOCKET_TIMEOUT},
            **credentials,
            **common,
        )
        master = sentinel.master_for(
            settings.sentinel_master,
            connection_pool_class=BlockingSentinelPool,
            max_connections=settings.connections,
            timeout=POOL_TIMEOUT,
        )
        return cast(Redis, master)
    credentials.pop("db", None)
    cluster = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in settings.cluster_nodes],
        max_connections=settings.connections,
        **credentials,
        **common,
    )
    return cast(Redis, cluster)
