"""Run coroutines one after another per key, and concurrently across keys."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class KeyedSerialExecutor:
    """Keeps one station's messages in order while different stations proceed in parallel.

    A worker task exists per key only while that key has queued jobs, so idle
    stations cost nothing.
    """

    def __init__(self) -> None:
        self._queues: dict[str, asyncio.Queue[Job]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    def submit(self, key: str, job: Job) -> None:
        """Queue ``job`` behind the earlier jobs of ``key``."""
        queue = self._queues.get(key)
        if queue is None:
            queue = asyncio.Queue()
            self._queues[key] = queue
            worker = asyncio.get_running_loop().create_task(self._drain(key, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        queue.put_nowait(job)

    async def _drain(self, key: str, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = queue.get_nowait()
            await job()
            if queue.empty():
                del self._queues[key]
                return

    async def join(self) -> None:
        """Wait until every queued job has run (used on graceful shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers), return_exceptions=True)
