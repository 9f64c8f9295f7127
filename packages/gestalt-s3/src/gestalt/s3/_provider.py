"""The S3 provider interface, and the upload body the SDK hands to ``write_object``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

from gestalt.s3._errors import UnimplementedError, UploadAborted
from gestalt.s3._types import (
    CopyOptions,
    ListOptions,
    ListPage,
    ObjectMeta,
    ObjectRef,
    PresignOptions,
    PresignResult,
    ReadOptions,
    WriteOptions,
)

if TYPE_CHECKING:
    import queue

#: An object body as a provider returns it from ``read_object``: chunks of any size.
Chunks: TypeAlias = Iterable[bytes] | AsyncIterable[bytes]

#: How many chunks may wait between the gRPC stream and a ``def`` provider's thread.
BODY_QUEUE_CHUNKS = 4


class _End:
    pass


_END = _End()


class UploadBody:
    """The body of an upload, as chunks of bytes, handed to ``write_object``.

    A ``def`` provider iterates it with ``for chunk in body`` (it runs in a worker
    thread); an ``async def`` provider with ``async for chunk in body``. Chunks arrive as
    the caller sends them, a few at a time, never the whole object.

    **The end of the iteration is the proof of a complete upload.** If the caller
    cancels, the stream breaks, or it carries a second ``open`` frame, the iteration
    raises instead (:class:`UploadAborted`, or :class:`InvalidArgumentError`). Let that
    exception propagate and commit only after the loop ends normally.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes | _End | BaseException] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._space: asyncio.Semaphore | None = None
        self._next: Any = None  # async source of the async mode: () -> Awaitable[bytes]
        self.finished = False
        self.failed: BaseException | None = None

    # The servicer picks one mode before the provider sees the body.
    def _use_thread_mode(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        import queue  # only ``def`` providers need it; keeps the s3 start path lean

        self._queue = queue.Queue()
        self._loop = loop
        self._space = asyncio.Semaphore(BODY_QUEUE_CHUNKS)
        return self._space

    def _put(self, item: bytes | _End | BaseException) -> None:
        assert self._queue is not None
        self._queue.put_nowait(item)

    def _use_async_mode(self, source: Any) -> None:
        self._next = source

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._queue is None or self._loop is None or self._space is None:
            raise TypeError("this upload body is asynchronous: use 'async for chunk in body'")
        if self.finished:
            raise StopIteration
        if self.failed is not None:
            raise self.failed
        item = self._queue.get()
        self._loop.call_soon_threadsafe(self._space.release)
        if isinstance(item, bytes):
            return item
        if isinstance(item, _End):
            self.finished = True
            raise StopIteration
        self.failed = item
        raise item

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        if self._next is None:
            raise TypeError("this upload body is synchronous: use 'for chunk in body'")
        if self.finished:
            raise StopAsyncIteration
        if self.failed is not None:
            raise self.failed
        try:
            chunk: bytes | None = await self._next()
        except BaseException as error:
            self.failed = error if isinstance(error, Exception) else UploadAborted("cancelled")
            raise
        if chunk is None:
            self.finished = True
            raise StopAsyncIteration
        return chunk

    def read_all(self) -> bytes:
        """Join every chunk (sync mode). Only for small objects and tests."""
        return b"".join(self)


@runtime_checkable
class S3ProviderProtocol(Protocol):
    """The methods an S3 provider has (each may be ``def`` or ``async def``)."""

    def head_object(self, ref: ObjectRef) -> ObjectMeta | Awaitable[ObjectMeta]: ...

    def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, Chunks] | Awaitable[tuple[ObjectMeta, Chunks]]: ...

    def write_object(
        self, ref: ObjectRef, options: WriteOptions, body: UploadBody
    ) -> ObjectMeta | Awaitable[ObjectMeta]: ...


class S3Provider:
    """Base class for an S3 provider; subclassing is optional.

    Any object with ``head_object``, ``read_object`` and ``write_object`` serves (each
    ``def`` or ``async def``); the other methods answer ``UNIMPLEMENTED`` unless
    overridden. The SDK owns the wire: framing, 64 KiB chunks, checking refs, ranges and
    presign arguments, and mapping errors; raise :class:`NotFoundError`,
    :class:`PreconditionFailedError`, :class:`InvalidRangeError`, ... to answer with their
    codes. Any other exception is answered ``INTERNAL`` with a fixed message.

    The optional hooks ``configure(name, config)``, ``health_check()``, ``metadata()``,
    ``warnings()`` and ``close()`` are found by name.
    """

    def head_object(self, ref: ObjectRef) -> ObjectMeta | Awaitable[ObjectMeta]:
        """The object's metadata, or :class:`NotFoundError`."""
        raise UnimplementedError("head_object is not implemented")

    def read_object(
        self, ref: ObjectRef, options: ReadOptions
    ) -> tuple[ObjectMeta, Chunks] | Awaitable[tuple[ObjectMeta, Chunks]]:
        """The whole object's metadata and its body (the range only) as chunks.

        Raise errors known before streaming here, not from the chunk iterator: they then
        reach the caller before any frame. :func:`resolve_range` and
        :func:`check_read_conditions` give the reference semantics.
        """
        raise UnimplementedError("read_object is not implemented")

    def write_object(
        self, ref: ObjectRef, options: WriteOptions, body: UploadBody
    ) -> ObjectMeta | Awaitable[ObjectMeta]:
        """Store the body and return the committed object's metadata.

        Commit only after iterating ``body`` to its end (see :class:`UploadBody`).
        """
        raise UnimplementedError("write_object is not implemented")

    def delete_object(self, ref: ObjectRef) -> Awaitable[None] | None:
        """Remove the object; a missing object is not an error."""
        raise UnimplementedError("delete_object is not implemented")

    def list_objects(self, options: ListOptions) -> ListPage | Awaitable[ListPage]:
        """One page of keys (``options.max_keys`` is already resolved to >= 1)."""
        raise UnimplementedError("list_objects is not implemented")

    def copy_object(
        self, source: ObjectRef, destination: ObjectRef, options: CopyOptions
    ) -> ObjectMeta | Awaitable[ObjectMeta]:
        """Copy server-side; ``options`` are conditions on the source. Returns the copy's meta."""
        raise UnimplementedError("copy_object is not implemented")

    def presign_object(
        self, ref: ObjectRef, options: PresignOptions
    ) -> PresignResult | Awaitable[PresignResult]:
        """A presigned URL (method and expiry are already checked)."""
        raise UnimplementedError("presign_object is not implemented")
