"""Clients of the host's object store (``GESTALT_S3_SOCKET[_<BINDING>]``), sync and async.

Bodies stream both ways in 64 KiB frames; nothing holds a whole object unless asked to
(``bytes()``, ``text()``, ``json()``). Failed calls raise the typed errors of
:mod:`gestalt.s3` (``NotFoundError``, ``PreconditionFailedError``, ...).
"""

from __future__ import annotations

import builtins
import io
import json as _json
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol, TypeAlias

import grpc
import grpc.aio

from gestalt.provider.v1 import s3_pb2, s3_pb2_grpc
from gestalt.s3._convert import (
    list_request_to_wire,
    meta_from_wire,
    page_from_wire,
    presign_request_to_wire,
    presign_result_from_wire,
    read_request_to_wire,
    ref_to_wire,
    write_open_to_wire,
)
from gestalt.s3._errors import NotFoundError, S3Error, S3NotBoundError, error_from_rpc
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

ENV_S3_SOCKET = "GESTALT_S3_SOCKET"
#: Size of the frames a write sends.
CHUNK_BYTES = 64 * 1024
#: Receive limit of the client channel; frames are 64 KiB, listings can be larger.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


#: What a write accepts: bytes, a binary file (anything with ``read(n)``), an iterable
#: of bytes, or ``None`` for an empty object. The async client also takes async iterables.
ObjectBody: TypeAlias = bytes | bytearray | memoryview | _Readable | Iterable[bytes] | None
AsyncObjectBody: TypeAlias = ObjectBody | AsyncIterable[bytes]


def s3_socket_env(name: str | None = None) -> str:
    """The variable naming a binding's socket: ``GESTALT_S3_SOCKET`` or ``..._<NAME>``.

    The name is normalised as the host does: ASCII letters upper-cased, digits kept,
    every other character ``_``.
    """
    trimmed = (name or "").strip()
    if not trimmed:
        return ENV_S3_SOCKET
    suffix = "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in trimmed)
    return f"{ENV_S3_SOCKET}_{suffix}"


def _target(name: str | None, socket: str | None) -> str:
    if socket is None:
        variable = s3_socket_env(name)
        socket = os.environ.get(variable, "")
        if not socket:
            raise S3NotBoundError(variable, name)
    return socket if socket.startswith("unix:") else f"unix:{socket}"


_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.default_authority", "localhost"),
]


def _sync_frames(body: ObjectBody) -> Iterator[bytes]:
    if body is None:
        return
    if isinstance(body, bytes | bytearray | memoryview):
        view = memoryview(body).cast("B")
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    read = getattr(body, "read", None)
    if callable(read):
        while True:
            data = read(CHUNK_BYTES)
            if not data:
                return
            yield bytes(data)
    for chunk in body:  # type: ignore[union-attr]
        yield from _sync_frames(chunk)


def _requests(
    ref: ObjectRef, body: ObjectBody, options: WriteOptions | None
) -> Iterator[s3_pb2.WriteObjectRequest]:
    yield s3_pb2.WriteObjectRequest(open=write_open_to_wire(ref, options))
    for chunk in _sync_frames(body):
        if chunk:
            yield s3_pb2.WriteObjectRequest(data=chunk)


class ObjectReader(io.RawIOBase):
    """A streamed object body: a binary file object, and an iterator of chunks.

    Close it (or use it as a context manager) to stop reading early; that cancels the call.
    """

    def __init__(self, frames: Any) -> None:
        super().__init__()
        self._frames = frames
        self._pending = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes | None:
        while not self._eof:
            try:
                frame = next(self._frames)
            except StopIteration:
                self._eof = True
                return None
            except grpc.RpcError as error:
                self._eof = True
                raise error_from_rpc(error) from None
            if frame.WhichOneof("result") == "meta":
                self._frames.cancel()
                raise S3Error("read stream sent metadata again")
            data: bytes = frame.data  # each read of a bytes field copies it
            if data:
                return data
        return None

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return 0
            self._pending = chunk
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def readall(self) -> bytes:
        parts = [self._pending]
        self._pending = b""
        while (chunk := self._next_chunk()) is not None:
            parts.append(chunk)
        return b"".join(parts)

    def iter_chunks(self) -> Iterator[bytes]:
        """The body as it arrives, chunk by chunk."""
        if self._pending:
            pending, self._pending = self._pending, b""
            yield pending
        while (chunk := self._next_chunk()) is not None:
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_chunks()

    def close(self) -> None:
        if not self.closed and not self._eof:
            self._frames.cancel()
        super().close()


class S3Object:
    """One object, with the object-centred API (``s3.object(bucket, key)``)."""

    def __init__(self, client: S3, ref: ObjectRef) -> None:
        self.client = client
        self.ref = ref

    def stat(self, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata (``NotFoundError`` when missing)."""
        return self.client.head_object(self.ref, timeout=timeout)

    def exists(self, *, timeout: float | None = None) -> bool:
        """Whether the object exists."""
        try:
            self.stat(timeout=timeout)
        except NotFoundError:
            return False
        return True

    def stream(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, ObjectReader]:
        """Metadata and a streaming reader of the body."""
        return self.client.read_object(self.ref, options, timeout=timeout)

    def bytes(self, options: ReadOptions | None = None, *, timeout: float | None = None) -> bytes:
        """The whole body (or range) in memory."""
        _meta, reader = self.stream(options, timeout=timeout)
        with reader:
            return reader.readall()

    def text(
        self,
        options: ReadOptions | None = None,
        *,
        encoding: str = "utf-8",
        timeout: float | None = None,
    ) -> str:
        """The body decoded as text."""
        return self.bytes(options, timeout=timeout).decode(encoding)

    def json(self, options: ReadOptions | None = None, *, timeout: float | None = None) -> Any:
        """The body parsed as JSON."""
        return _json.loads(self.bytes(options, timeout=timeout))

    def write(
        self,
        body: ObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write the object from bytes, a file, chunks or nothing; returns the stored meta."""
        return self.client.write_object(self.ref, body, options, timeout=timeout)

    def write_bytes(
        self,
        body: builtins.bytes,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write bytes."""
        return self.write(body, options, timeout=timeout)

    def write_text(
        self,
        body: str,
        options: WriteOptions | None = None,
        *,
        encoding: str = "utf-8",
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write text (``text/plain; charset=...`` unless a content type is given)."""
        options = options or WriteOptions()
        if not options.content_type:
            options.content_type = f"text/plain; charset={encoding}"
        return self.write(body.encode(encoding), options, timeout=timeout)

    def write_json(
        self, value: Any, options: WriteOptions | None = None, *, timeout: float | None = None
    ) -> ObjectMeta:
        """Write a value as JSON (``application/json`` unless a content type is given)."""
        options = options or WriteOptions()
        if not options.content_type:
            options.content_type = "application/json"
        return self.write(_json.dumps(value).encode(), options, timeout=timeout)

    def delete(self, *, timeout: float | None = None) -> None:
        """Delete the object (a missing object is fine)."""
        self.client.delete_object(self.ref, timeout=timeout)

    def presign(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL (the host refuses this for provider bindings)."""
        return self.client.presign_object(self.ref, options, timeout=timeout)


class S3:
    """Blocking client of one host object-store binding.

    Args:
        name: The binding; ``None`` is the unnamed default (``GESTALT_S3_SOCKET``).
        socket: A socket path to use instead of the environment.
        timeout: Default deadline in seconds for every call (``None``: no deadline).

    Raises:
        S3NotBoundError: The binding's variable is not set.
    """

    def __init__(
        self, name: str | None = None, *, socket: str | None = None, timeout: float | None = None
    ) -> None:
        self._channel = grpc.insecure_channel(_target(name, socket), options=_OPTIONS)
        self._stub = s3_pb2_grpc.S3Stub(self._channel)
        self.timeout = timeout

    @classmethod
    def connect(cls, name: str | None = None, *, timeout: float | None = None) -> S3:
        """Connect to binding ``name`` (``None``: the default binding)."""
        return cls(name, timeout=timeout)

    def _t(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def object(self, bucket: str, key: str, version_id: str = "") -> S3Object:
        """The object-centred handle of ``bucket``/``key``."""
        return S3Object(self, ObjectRef(bucket, key, version_id))

    def object_version(self, bucket: str, key: str, version_id: str) -> S3Object:
        """A handle of one version of an object."""
        return self.object(bucket, key, version_id)

    def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata."""
        try:
            response = self._stub.HeadObject(
                s3_pb2.HeadObjectRequest(ref=ref_to_wire(ref)), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, ObjectReader]:
        """Metadata (of the whole object) and a streaming reader of the body or range."""
        frames = self._stub.ReadObject(read_request_to_wire(ref, options), timeout=self._t(timeout))
        try:
            first = next(frames)
        except StopIteration:
            raise S3Error("read stream ended before its metadata") from None
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        if first.WhichOneof("result") != "meta":
            frames.cancel()
            raise S3Error("read stream did not start with metadata")
        return meta_from_wire(first.meta), ObjectReader(frames)

    def write_object(
        self,
        ref: ObjectRef,
        body: ObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Stream ``body`` into the object; returns the committed object's metadata."""
        try:
            response = self._stub.WriteObject(
                _requests(ref, body, options), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        """Delete the object; a missing object is not an error."""
        try:
            self._stub.DeleteObject(
                s3_pb2.DeleteObjectRequest(ref=ref_to_wire(ref)), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        """One page of a listing."""
        try:
            response = self._stub.ListObjects(
                list_request_to_wire(options), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return page_from_wire(response)

    def iter_pages(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> Iterator[ListPage]:
        """Every page of a listing, following continuation tokens."""
        token = options.continuation_token
        while True:
            page = self.list_objects(
                ListOptions(
                    options.bucket,
                    options.prefix,
                    options.delimiter,
                    token,
                    options.start_after,
                    options.max_keys,
                ),
                timeout=timeout,
            )
            yield page
            if not page.has_more or not page.next_continuation_token:
                return
            token = page.next_continuation_token

    def iter_objects(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> Iterator[ObjectMeta]:
        """Every object of a listing, across pages."""
        for page in self.iter_pages(options, timeout=timeout):
            yield from page.objects

    def copy_object(
        self,
        source: ObjectRef,
        destination: ObjectRef,
        options: CopyOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Copy server-side; conditions apply to the source. Returns the copy's metadata."""
        options = options or CopyOptions()
        request = s3_pb2.CopyObjectRequest(
            source=ref_to_wire(source),
            destination=ref_to_wire(destination),
            if_match=options.if_match,
            if_none_match=options.if_none_match,
        )
        try:
            response = self._stub.CopyObject(request, timeout=self._t(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL for the object."""
        request = presign_request_to_wire(ref, options)
        try:
            response = self._stub.PresignObject(request, timeout=self._t(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return presign_result_from_wire(response, (options or PresignOptions()).method)

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def __enter__(self) -> S3:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


# -- async ---------------------------------------------------------------------------------


async def _async_frames(body: AsyncObjectBody) -> AsyncIterator[bytes]:
    if isinstance(body, AsyncIterable):
        async for chunk in body:
            for piece in _sync_frames(chunk):
                yield piece
        return
    for piece in _sync_frames(body):
        yield piece


async def _async_requests(
    ref: ObjectRef, body: AsyncObjectBody, options: WriteOptions | None
) -> AsyncIterator[s3_pb2.WriteObjectRequest]:
    yield s3_pb2.WriteObjectRequest(open=write_open_to_wire(ref, options))
    async for chunk in _async_frames(body):
        if chunk:
            yield s3_pb2.WriteObjectRequest(data=chunk)


class AsyncObjectReader:
    """A streamed object body for the async client: ``async for chunk in reader``."""

    def __init__(self, call: Any) -> None:
        self._call = call
        self._eof = False

    async def _next_chunk(self) -> bytes | None:
        while not self._eof:
            try:
                frame = await self._call.read()
            except grpc.RpcError as error:
                self._eof = True
                raise error_from_rpc(error) from None
            if frame is grpc.aio.EOF:
                self._eof = True
                return None
            if frame.WhichOneof("result") == "meta":
                self._call.cancel()
                raise S3Error("read stream sent metadata again")
            data: bytes = frame.data  # each read of a bytes field copies it
            if data:
                return data
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    async def read(self) -> bytes:
        """The rest of the body."""
        return b"".join([chunk async for chunk in self])

    async def aclose(self) -> None:
        """Stop reading early (cancels the call)."""
        if not self._eof:
            self._call.cancel()
            self._eof = True

    async def __aenter__(self) -> AsyncObjectReader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncS3Object:
    """One object, with the object-centred API of :class:`AsyncS3`."""

    def __init__(self, client: AsyncS3, ref: ObjectRef) -> None:
        self.client = client
        self.ref = ref

    async def stat(self, *, timeout: float | None = None) -> ObjectMeta:
        return await self.client.head_object(self.ref, timeout=timeout)

    async def exists(self, *, timeout: float | None = None) -> bool:
        try:
            await self.stat(timeout=timeout)
        except NotFoundError:
            return False
        return True

    async def stream(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, AsyncObjectReader]:
        return await self.client.read_object(self.ref, options, timeout=timeout)

    async def bytes(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> bytes:
        _meta, reader = await self.stream(options, timeout=timeout)
        async with reader:
            return await reader.read()

    async def text(
        self,
        options: ReadOptions | None = None,
        *,
        encoding: str = "utf-8",
        timeout: float | None = None,
    ) -> str:
        return (await self.bytes(options, timeout=timeout)).decode(encoding)

    async def json(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> Any:
        return _json.loads(await self.bytes(options, timeout=timeout))

    async def write(
        self,
        body: AsyncObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        return await self.client.write_object(self.ref, body, options, timeout=timeout)

    async def write_bytes(
        self,
        body: builtins.bytes,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        return await self.write(body, options, timeout=timeout)

    async def write_text(
        self,
        body: str,
        options: WriteOptions | None = None,
        *,
        encoding: str = "utf-8",
        timeout: float | None = None,
    ) -> ObjectMeta:
        options = options or WriteOptions()
        if not options.content_type:
            options.content_type = f"text/plain; charset={encoding}"
        return await self.write(body.encode(encoding), options, timeout=timeout)

    async def write_json(
        self, value: Any, options: WriteOptions | None = None, *, timeout: float | None = None
    ) -> ObjectMeta:
        options = options or WriteOptions()
        if not options.content_type:
            options.content_type = "application/json"
        return await self.write(_json.dumps(value).encode(), options, timeout=timeout)

    async def delete(self, *, timeout: float | None = None) -> None:
        await self.client.delete_object(self.ref, timeout=timeout)

    async def presign(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        return await self.client.presign_object(self.ref, options, timeout=timeout)


class AsyncS3:
    """The ``asyncio`` twin of :class:`S3`, with the same arguments and methods."""

    def __init__(
        self, name: str | None = None, *, socket: str | None = None, timeout: float | None = None
    ) -> None:
        self._channel = grpc.aio.insecure_channel(_target(name, socket), options=_OPTIONS)
        self._stub = s3_pb2_grpc.S3Stub(self._channel)
        self.timeout = timeout

    @classmethod
    def connect(cls, name: str | None = None, *, timeout: float | None = None) -> AsyncS3:
        """Connect to binding ``name`` (``None``: the default binding)."""
        return cls(name, timeout=timeout)

    def _t(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def object(self, bucket: str, key: str, version_id: str = "") -> AsyncS3Object:
        return AsyncS3Object(self, ObjectRef(bucket, key, version_id))

    async def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        try:
            response = await self._stub.HeadObject(
                s3_pb2.HeadObjectRequest(ref=ref_to_wire(ref)), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    async def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, AsyncObjectReader]:
        call = self._stub.ReadObject(read_request_to_wire(ref, options), timeout=self._t(timeout))
        try:
            first = await call.read()
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        if not isinstance(first, s3_pb2.ReadObjectChunk):
            raise S3Error("read stream ended before its metadata")
        if first.WhichOneof("result") != "meta":
            call.cancel()
            raise S3Error("read stream did not start with metadata")
        return meta_from_wire(first.meta), AsyncObjectReader(call)

    async def write_object(
        self,
        ref: ObjectRef,
        body: AsyncObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        try:
            response = await self._stub.WriteObject(
                _async_requests(ref, body, options), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    async def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        try:
            await self._stub.DeleteObject(
                s3_pb2.DeleteObjectRequest(ref=ref_to_wire(ref)), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    async def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        try:
            response = await self._stub.ListObjects(
                list_request_to_wire(options), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return page_from_wire(response)

    async def iter_pages(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> AsyncIterator[ListPage]:
        token = options.continuation_token
        while True:
            page = await self.list_objects(
                ListOptions(
                    options.bucket,
                    options.prefix,
                    options.delimiter,
                    token,
                    options.start_after,
                    options.max_keys,
                ),
                timeout=timeout,
            )
            yield page
            if not page.has_more or not page.next_continuation_token:
                return
            token = page.next_continuation_token

    async def iter_objects(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> AsyncIterator[ObjectMeta]:
        async for page in self.iter_pages(options, timeout=timeout):
            for meta in page.objects:
                yield meta

    async def copy_object(
        self,
        source: ObjectRef,
        destination: ObjectRef,
        options: CopyOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        options = options or CopyOptions()
        request = s3_pb2.CopyObjectRequest(
            source=ref_to_wire(source),
            destination=ref_to_wire(destination),
            if_match=options.if_match,
            if_none_match=options.if_none_match,
        )
        try:
            response = await self._stub.CopyObject(request, timeout=self._t(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return meta_from_wire(response.meta)

    async def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        try:
            response = await self._stub.PresignObject(
                presign_request_to_wire(ref, options), timeout=self._t(timeout)
            )
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None
        return presign_result_from_wire(response, (options or PresignOptions()).method)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncS3:
        return self

    async def __aexit__(self, *exc: builtins.object) -> None:
        await self.close()
