"""Which exceptions from a Redis call mean "Redis is not reachable right now" (retry or answer 503).

redis-py raises :class:`~redis.exceptions.RedisError` (connection errors, timeouts, cluster errors)
or an :class:`OSError` from the socket. One more case is a known redis-py bug: during a Redis Cluster
failover the asyncio client can raise ``AttributeError`` ("'NoneType' object has no attribute
'writelines'") from a connection the dead node reset, instead of a ``ConnectionError``
(redis/redis-py#4287, seen with 8.1.0). Such an error raised *inside redis-py* is treated as the
connection error it stands for; an ``AttributeError`` raised by our own code is a bug and propagates.
"""

from __future__ import annotations

from pathlib import Path

import redis
from redis.exceptions import RedisError

REDIS_PACKAGE = Path(redis.__file__).resolve().parent
"""redis-py's installed package folder: the frames an AttributeError must come from to count."""

CAUGHT = (RedisError, OSError, AttributeError)
"""What a Redis call's ``except`` names; pass what it catches to :func:`is_unavailable`."""


def raised_inside_redis_py(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is in redis-py's own code."""
    traceback = error.__traceback__
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    filename = Path(traceback.tb_frame.f_code.co_filename).resolve()
    return filename.is_relative_to(REDIS_PACKAGE)


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (one of :data:`CAUGHT`) means Redis is unavailable rather than a bug here."""
    if isinstance(error, (RedisError, OSError)):
        return True
    return isinstance(error, AttributeError) and raised_inside_redis_py(error)
