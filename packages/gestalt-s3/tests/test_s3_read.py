"""Read bodies to data frames, in process: how many hops into the pool each kind takes."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from gestalt.provider.v1.s3_pb2 import ReadObjectChunk
from gestalt.s3._read import BATCH_BYTES, FRAME_BYTES, data_frames

KIB = 1024
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class CountingPool(ThreadPoolExecutor):
    """A pool that counts the hops submitted to it."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="hop")
        self.hops = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.hops += 1
        return super().submit(fn, *args, **kwargs)


def _frames(body: object, limit: int | None = None) -> tuple[list[bytes], int]:
    """The data of the frames sent for ``body`` (the first ``limit``), and the hops taken."""

    async def main() -> list[bytes]:
        request_id.set("req-9")
        out: list[bytes] = []
        frames = data_frames(body, lambda: pool, ReadObjectChunk)
        async for frame in frames:
            out.append(frame.data)
            if limit is not None and len(out) == limit:
                await frames.aclose()  # type: ignore[attr-defined]
                break
        return out

    with CountingPool() as pool:
        return asyncio.run(main()), pool.hops


def _generator(total: int, chunk: int = 64 * KIB) -> Iterator[bytes]:
    for start in range(0, total, chunk):
        yield b"x" * min(chunk, total - start)


@pytest.mark.parametrize(
    "body",
    [
        b"y" * (1024 * KIB + 5),
        bytearray(b"y" * (200 * KIB)),
        memoryview(b"y" * (200 * KIB)),
        [b"y" * (64 * KIB)] * 16,
        (b"y" * (300 * KIB), b"", b"y"),
    ],
    ids=["bytes", "bytearray", "memoryview", "list", "tuple"],
)
def test_in_memory_bodies_take_no_hop(body: Any) -> None:
    frames, hops = _frames(body)
    assert hops == 0
    expected = b"".join(body) if isinstance(body, list | tuple) else bytes(body)
    assert b"".join(frames) == expected
    assert all(0 < len(frame) <= FRAME_BYTES for frame in frames)


def test_async_bodies_take_no_hop() -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"z" * (100 * KIB)

    frames, hops = _frames(body())
    assert hops == 0
    assert b"".join(frames) == b"z" * (800 * KIB)


def test_sync_iterators_are_pulled_a_batch_per_hop() -> None:
    # 4 MiB in 64 KiB chunks: one hop per 1 MiB batch and one that finds the end (5),
    # where one hop per chunk took 64 + 1 (and one more to close the generator).
    total = 4 * BATCH_BYTES
    frames, hops = _frames(_generator(total))
    assert b"".join(frames) == b"x" * total
    assert hops == total // BATCH_BYTES + 1
    # A provider chunk larger than a batch still goes one per hop, split into frames.
    frames, hops = _frames(_generator(5 * BATCH_BYTES // 2, chunk=2 * BATCH_BYTES))
    assert hops == 2  # [2 MiB], then [0.5 MiB] and the end
    assert max(len(frame) for frame in frames) == FRAME_BYTES


def test_sync_iterators_run_in_the_callers_context_and_close_in_the_pool() -> None:
    seen: list[tuple[str, str]] = []

    def body() -> Iterator[bytes]:
        try:
            while True:
                seen.append((request_id.get(), threading.current_thread().name))
                yield b"w" * BATCH_BYTES
        finally:
            seen.append((request_id.get(), "closed in " + threading.current_thread().name))

    frames, hops = _frames(body(), limit=3)
    assert len(frames) == 3
    assert hops == 2  # one batch, then the close
    assert {value for value, _ in seen} == {"req-9"}
    assert seen[-1][1].startswith("closed in hop")


def test_a_read_cancelled_during_a_pull_closes_the_generator_after_it() -> None:
    # The generator is still running in the pool when the read is cancelled: closing it
    # then would fail ("generator already executing"); it is closed once the pull returns.
    pulling, release, closed = threading.Event(), threading.Event(), threading.Event()

    def body() -> Iterator[bytes]:
        try:
            yield b"first"
            pulling.set()
            release.wait(10)
            yield b"second"
        finally:
            closed.set()

    async def main() -> None:
        frames = data_frames(body(), lambda: pool, ReadObjectChunk)

        async def read_all() -> None:
            async for _ in frames:
                pass

        task = asyncio.create_task(read_all())
        while not pulling.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task  # cancelled, not a ValueError from closing a running generator
        await frames.aclose()  # type: ignore[attr-defined]
        assert not closed.is_set()
        release.set()

    with CountingPool() as pool:
        asyncio.run(main())
    assert closed.wait(5)
