"""The shadow service's one Redis client: a pool every resource package shares."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis


def connect(url: str, max_connections: int) -> Redis:
    """A client whose pool waits for a free connection (up to 5 s) instead of failing.

    redis-py's default pool raises "Too many connections" when every connection is busy; a burst of
    station calls would then be retried after a backoff. This pool makes it wait.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=5,
        socket_timeout=5,
        socket_connect_timeout=5,
    )
    return Redis(connection_pool=pool)
