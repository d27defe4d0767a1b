"""Queueing a Lua script in a pipeline, on one Redis or a Redis Cluster alike."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline
from redis.commands.core import AsyncScript
from redis.typing import EncodableT, KeyT


async def queue_script(
    pipe: Pipeline, script: AsyncScript, keys: Sequence[KeyT], args: Sequence[EncodableT]
) -> None:
    """Add ``script`` over ``keys`` (all in one hash slot) to the non-transactional ``pipe``.

    On one Redis, redis-py's EVALSHA with the script loaded at execution. redis-py's cluster
    pipeline refuses EVALSHA (the script may be missing on the node the keys live on), so there the
    script's text goes along (EVAL; Redis caches it); the keys route it to their node.
    """
    if isinstance(pipe, ClusterPipeline):
        pipe.execute_command("EVAL", script.script, len(keys), *keys, *args)
        return
    await script(keys=keys, args=args, client=pipe)
