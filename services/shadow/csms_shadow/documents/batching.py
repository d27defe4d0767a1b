"""Write the shadow updates that arrive together in one go.

Every station call ends in a shadow update; written one by one, each costs Redis
round trips and, in this process, the asyncio and redis-py work around each of
them. The batcher hands the store everything that arrived while the previous
batch was being written: one update alone when the system is quiet (no added
wait), hundreds at once under load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


class Batcher(Generic[Request, Result]):
    """Collects requests and passes them to ``write`` in batches of at most ``max_batch``.

    ``submit`` returns the request's own result, or raises what ``write`` raised for its
    batch (the caller retries: the batch is all or nothing for its callers).
    """

    def __init__(
        self, write: Callable[[list[Request]], Awaitable[list[Result]]], max_batch: int = 256
    ) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queue: list[tuple[Request, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if self._writer is None or self._writer.done():
            # Started as a task, the writer first runs after this loop iteration has queued the rest
            # of what arrived with this request.
            self._writer = asyncio.get_running_loop().create_task(self._write_batches())
        return await future

    async def _write_batches(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            try:
                results = await self._write([request for request, _ in batch])
            except Exception as error:  # noqa: BLE001  (handed to every caller, who handles it)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
