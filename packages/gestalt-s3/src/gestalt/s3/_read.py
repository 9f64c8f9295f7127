"""How the body a provider's ``read_object`` returns becomes the stream's data frames.

The hop into the handler pool and back costs more than sending a 64 KiB frame, so each
kind of body takes the fewest hops that keep memory flat:

- in memory (``bytes``, ``bytearray``, ``memoryview``, a list or tuple of chunks): no
  hop at all, whoever returned it (``def`` or ``async def``);
- a sync iterator (a generator reading a file or a socket, which may block): pulled in
  the pool in batches of up to :data:`BATCH_BYTES` per hop;
- an async iterator: on the event loop, chunk by chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any

#: Size of the data frames the SDK sends; larger chunks from a provider are split. The
#: host reads at most 4 MiB per message.
FRAME_BYTES = 64 * 1024
#: Bytes of a sync body pulled per hop into the pool: enough to spread the hop's cost
#: over 16 frames of 64 KiB, little enough to keep a read's memory flat.
BATCH_BYTES = 1024 * 1024

_InMemory = bytes | bytearray | memoryview


async def data_frames(
    chunks: object, executor: Callable[[], Executor], chunk_type: Callable[..., Any]
) -> AsyncIterator[Any]:
    """The ``data`` frames of a body, each at most :data:`FRAME_BYTES`; no empty frame.

    Args:
        chunks: The body as the provider returned it.
        executor: The handler pool (asked for only when a sync iterator needs it).
        chunk_type: The served generation's ``ReadObjectChunk``.
    """
    async for data in _pieces(chunks, executor):
        if isinstance(data, bytes) and len(data) <= FRAME_BYTES:
            yield chunk_type(data=data)
            continue
        view = memoryview(data).cast("B")
        for start in range(0, len(view), FRAME_BYTES):
            yield chunk_type(data=bytes(view[start : start + FRAME_BYTES]))


async def _pieces(chunks: object, executor: Callable[[], Executor]) -> AsyncIterator[_InMemory]:
    """The body's non-empty pieces, of any size; the iterator is closed on exit."""
    if isinstance(chunks, _InMemory):
        if chunks:
            yield chunks
        return
    if isinstance(chunks, list | tuple):
        for item in chunks:
            if item:
                yield item
        return
    if isinstance(chunks, AsyncIterable):
        iterator: Any = aiter(chunks)
        try:
            async for item in iterator:
                if item:
                    yield item
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        return
    async for item in _batched(iter(chunks), executor):  # type: ignore[call-overload]
        yield item


async def _batched(
    iterator: Iterator[_InMemory], executor: Callable[[], Executor]
) -> AsyncIterator[_InMemory]:
    pool = executor()
    # One context for every hop of this read: the provider's iterator sees the
    # contextvars of the call (tracing, structured logging).
    run = contextvars.copy_context().run
    pull: Future[tuple[list[_InMemory], bool]] | None = None
    exhausted = False
    try:
        while not exhausted:
            pull = pool.submit(run, _pull, iterator)
            batch, exhausted = await asyncio.wrap_future(pull)
            for item in batch:
                yield item
    finally:
        close = getattr(iterator, "close", None)
        if not exhausted and close is not None:
            # A generator stops in the thread it ran in, and only once a pull still
            # running (the read was cancelled during it) has returned; the loop never
            # waits for either.
            def close_in_pool(_: object = None) -> None:
                with contextlib.suppress(RuntimeError):  # the pool is shutting down
                    pool.submit(run, close)

            if pull is None or pull.done():
                close_in_pool()
            else:
                pull.add_done_callback(close_in_pool)


def _pull(iterator: Iterator[_InMemory]) -> tuple[list[_InMemory], bool]:
    """Up to :data:`BATCH_BYTES` of non-empty chunks (at least one), and whether it ended."""
    batch: list[_InMemory] = []
    size = 0
    for item in iterator:
        if item:
            batch.append(item)
            size += memoryview(item).nbytes
            if size >= BATCH_BYTES:
                return batch, False
    return batch, True
