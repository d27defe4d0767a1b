"""Which errors of a Redis call count as "Redis unavailable" (csms_shadow.storage.redis_errors)."""

from __future__ import annotations

import redis.asyncio.connection
from redis.exceptions import ConnectionError as RedisConnectionError

from csms_shadow.storage.redis_errors import is_unavailable, raised_inside_redis_py

BUG_4287 = "raise AttributeError(\"'NoneType' object has no attribute 'writelines'\")"


def _raised(source: str, filename: str) -> BaseException:
    try:
        exec(compile(source, filename, "exec"))
    except BaseException as error:  # noqa: BLE001 - the test captures whatever the source raises
        return error
    raise AssertionError("the source raised nothing")


def test_redis_and_socket_errors_are_unavailability() -> None:
    assert is_unavailable(RedisConnectionError("reset"))
    assert is_unavailable(ConnectionResetError("reset"))


def test_an_attribute_error_raised_inside_redis_py_is_unavailability() -> None:
    """redis/redis-py#4287: a cluster failover's reset connection surfaces as AttributeError."""
    error = _raised(BUG_4287, redis.asyncio.connection.__file__)
    assert raised_inside_redis_py(error)
    assert is_unavailable(error)


def test_an_attribute_error_of_our_own_is_a_bug() -> None:
    error = _raised(BUG_4287, __file__)
    assert not raised_inside_redis_py(error)
    assert not is_unavailable(error)


def test_an_error_never_raised_has_no_origin() -> None:
    assert not is_unavailable(AttributeError("constructed, not raised"))
