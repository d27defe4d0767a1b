"""Batcher: what arrives together is written together; each caller gets its own result or error."""

from __future__ import annotations

import asyncio

import pytest

from csms_shadow.documents.batching import Batcher


def test_requests_arriving_together_share_one_write() -> None:
    writes: list[list[int]] = []

    async def write(batch: list[int]) -> list[int]:
        writes.append(batch)
        await asyncio.sleep(0)
        return [value * 10 for value in batch]

    async def scenario() -> list[int]:
        batcher: Batcher[int, int] = Batcher(write)
        return await asyncio.gather(*(batcher.submit(value) for value in range(5)))

    assert asyncio.run(scenario()) == [0, 10, 20, 30, 40]
    assert writes == [[0, 1, 2, 3, 4]]


def test_requests_arriving_during_a_write_form_the_next_batch() -> None:
    writes: list[list[int]] = []
    release = asyncio.Event

    async def scenario() -> list[int]:
        first_written = asyncio.Event()
        go_on = release()

        async def write(batch: list[int]) -> list[int]:
            writes.append(batch)
            first_written.set()
            await go_on.wait()
            return batch

        batcher: Batcher[int, int] = Batcher(write, max_batch=2)
        first = asyncio.ensure_future(batcher.submit(1))
        await first_written.wait()
        later = [asyncio.ensure_future(batcher.submit(value)) for value in (2, 3, 4)]
        await asyncio.sleep(0)
        go_on.set()
        return [await first, *[await future for future in later]]

    assert asyncio.run(scenario()) == [1, 2, 3, 4]
    assert writes == [[1], [2, 3], [4]]


def test_a_failed_write_fails_its_callers_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def write(batch: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("redis went away")
        return batch

    async def scenario() -> int:
        batcher: Batcher[int, int] = Batcher(write)
        with pytest.raises(ConnectionError):
            await batcher.submit(1)
        return await batcher.submit(2)

    assert asyncio.run(scenario()) == 2
