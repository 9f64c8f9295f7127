"""The S3 provider interface (a base class whose methods answer ``UNIMPLEMENTED``)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Iterable
from typing import TypeAlias

from gestalt.core import UnimplementedError
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
from gestalt.s3._upload import UploadBody

#: An object body as a provider returns it from ``read_object``: the bytes themselves, or
#: chunks of any size. Bytes, memoryviews and lists or tuples of chunks are sent straight
#: from the event loop; a sync iterator is pulled in the handler pool, about 1 MiB per
#: hop; an async iterator on the event loop.
Chunks: TypeAlias = bytes | bytearray | memoryview | Iterable[bytes] | AsyncIterable[bytes]


class S3Provider:
    """Base class for an S3 provider; subclassing is optional.

    Any object with ``head_object``, ``read_object`` and ``write_object`` serves (each
    ``def`` or ``async def``); the other methods answer ``UNIMPLEMENTED`` unless
    overridden. The SDK owns the wire: framing, 64 KiB chunks, checking refs, ranges and
    presign arguments, and mapping errors; raise :class:`NotFoundError`,
    :class:`PreconditionFailedError`, :class:`InvalidRangeError`, ... to answer with their
    codes. Any other exception is answered ``INTERNAL`` with a fixed message.

    The optional hooks ``configure(name, config)``, ``health_check()``, ``metadata()``,
    ``warnings()`` and ``close()`` are found by name, and so is ``serving_protocol(version)``,
    called before configure with the host's protocol (2 or 5). On protocol 5 the host
    names objects by key only: every ref and listing has ``bucket == ""``, meaning the
    one store the provider's own configuration chose.
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
