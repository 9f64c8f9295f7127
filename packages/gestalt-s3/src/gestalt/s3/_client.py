"""Clients of the host's object store (``GESTALT_S3_SOCKET[_<BINDING>]``), sync and async.

Bodies stream both ways in 64 KiB frames; nothing holds a whole object unless asked to
(``bytes()``, ``text()``, ``json()``). Failed calls raise the typed errors of
:mod:`gestalt.s3` (``NotFoundError``, ``PreconditionFailedError``, ...).

Layout (as httpx does it): request building, result conversion and error translation
are module functions and two small bases shared by both clients; :class:`S3` and
:class:`AsyncS3` differ only where they wait.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import io
import json as _json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

import grpc
import grpc.aio

from gestalt.core import GestaltError, NotFoundError
from gestalt.core.serving import (
    HOST_MAX_MESSAGE_BYTES,
    channel_options,
    error_from_rpc,
    host_socket,
    host_socket_env,
    unix_target,
)
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
from gestalt.s3._errors import S3NotBoundError
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

ENV_S3_SOCKET = host_socket_env("s3")
# Frames are 64 KiB; the host reads at most HOST_MAX_MESSAGE_BYTES per message.
_OPTIONS = channel_options(HOST_MAX_MESSAGE_BYTES)
#: Size of the frames a write sends.
CHUNK_BYTES = 64 * 1024


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


#: What a write accepts: bytes, a binary file (anything with ``read(n)``), an iterable
#: of bytes, or ``None`` for an empty object. The async client also takes async iterables.
ObjectBody: TypeAlias = bytes | bytearray | memoryview | _Readable | Iterable[bytes] | None
AsyncObjectBody: TypeAlias = ObjectBody | AsyncIterable[bytes]

# -- host-client plumbing: the socket variable, the binding check, the channel options and
# -- the rpc-error translation each live in exactly one place below.


def s3_socket_env(name: str | None = None) -> str:
    """The variable naming a binding's socket: ``GESTALT_S3_SOCKET`` or ``..._<NAME>``.

    The name is normalised as the host does: ASCII letters upper-cased, digits kept,
    every other character ``_``.
    """
    return host_socket_env("s3", name)


def _socket_path(name: str | None, socket: str | None) -> str:
    return host_socket("s3", name, socket, S3NotBoundError)


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Raise the typed S3 error for a failed call (sync and async calls alike)."""
    try:
        yield
    except grpc.RpcError as error:
        raise error_from_rpc(error) from None


# -- request building and result conversion, shared by both clients ----------------------


def _frames_of(body: ObjectBody) -> Iterator[bytes]:
    if body is None:
        return
    if isinstance(body, bytes | bytearray | memoryview):
        view = memoryview(body).cast("B")
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    read = getattr(body, "read", None)
    if callable(read):
        while data := read(CHUNK_BYTES):
            yield bytes(data)
        return
    for chunk in body:  # type: ignore[union-attr]
        yield from _frames_of(chunk)


def _open_request(ref: ObjectRef, options: WriteOptions | None) -> s3_pb2.WriteObjectRequest:
    return s3_pb2.WriteObjectRequest(open=write_open_to_wire(ref, options))


def _write_requests(
    ref: ObjectRef, body: ObjectBody, options: WriteOptions | None
) -> Iterator[s3_pb2.WriteObjectRequest]:
    yield _open_request(ref, options)
    for chunk in _frames_of(body):
        if chunk:
            yield s3_pb2.WriteObjectRequest(data=chunk)


async def _async_write_requests(
    ref: ObjectRef, body: AsyncObjectBody, options: WriteOptions | None
) -> AsyncIterator[s3_pb2.WriteObjectRequest]:
    if not isinstance(body, AsyncIterable):
        for request in _write_requests(ref, body, options):
            yield request
        return
    yield _open_request(ref, options)
    async for part in body:
        for chunk in _frames_of(part):
            if chunk:
                yield s3_pb2.WriteObjectRequest(data=chunk)


def _head_request(ref: ObjectRef) -> s3_pb2.HeadObjectRequest:
    return s3_pb2.HeadObjectRequest(ref=ref_to_wire(ref))


def _delete_request(ref: ObjectRef) -> s3_pb2.DeleteObjectRequest:
    return s3_pb2.DeleteObjectRequest(ref=ref_to_wire(ref))


def _copy_request(
    source: ObjectRef, destination: ObjectRef, options: CopyOptions | None
) -> s3_pb2.CopyObjectRequest:
    options = options or CopyOptions()
    return s3_pb2.CopyObjectRequest(
        source=ref_to_wire(source),
        destination=ref_to_wire(destination),
        if_match=options.if_match,
        if_none_match=options.if_none_match,
    )


def _presign_result(
    response: s3_pb2.PresignObjectResponse, options: PresignOptions | None
) -> PresignResult:
    return presign_result_from_wire(response, (options or PresignOptions()).method)


def _next_page(options: ListOptions, page: ListPage) -> ListOptions | None:
    """The options of the page after ``page``, or ``None`` after the last one."""
    if not page.has_more or not page.next_continuation_token:
        return None
    return dataclasses.replace(options, continuation_token=page.next_continuation_token)


def _first_meta(first: object, cancel: Callable[[], object]) -> ObjectMeta:
    """The metadata of a read stream's first frame (``first`` is not a chunk at its end)."""
    if not isinstance(first, s3_pb2.ReadObjectChunk):
        raise GestaltError("read stream ended before its metadata")
    if first.WhichOneof("result") != "meta":
        cancel()
        raise GestaltError("read stream did not start with metadata")
    return meta_from_wire(first.meta)


def _data_of(frame: s3_pb2.ReadObjectChunk, cancel: Callable[[], object]) -> bytes:
    """The bytes of a later read frame (empty frames give ``b""``, to be skipped)."""
    if frame.WhichOneof("result") == "meta":
        cancel()
        raise GestaltError("read stream sent metadata again")
    data: bytes = frame.data  # each read of a bytes field copies it
    return data


def _text_write(
    body: str, options: WriteOptions | None, encoding: str
) -> tuple[bytes, WriteOptions]:
    """Encoded text and the options to send (the caller's options are left unchanged)."""
    options = options or WriteOptions()
    if not options.content_type:
        options = dataclasses.replace(options, content_type=f"text/plain; charset={encoding}")
    return body.encode(encoding), options


def _json_write(value: Any, options: WriteOptions | None) -> tuple[bytes, WriteOptions]:
    """JSON bytes and the options to send (the caller's options are left unchanged)."""
    options = options or WriteOptions()
    if not options.content_type:
        options = dataclasses.replace(options, content_type="application/json")
    return _json.dumps(value).encode(), options


_H = TypeVar("_H")


class _ClientBase(Generic[_H]):
    """What both clients share: the binding, the default deadline and object handles."""

    def __init__(self, name: str | None, socket: str | None, timeout: float | None) -> None:
        self.name = name
        self.socket = _socket_path(name, socket)
        self.timeout = timeout

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def object(self, bucket: str, key: str, version_id: str = "") -> _H:
        """The object-centred handle of ``bucket``/``key`` (and optionally one version)."""
        raise NotImplementedError  # each client returns its own handle type

    def object_version(self, bucket: str, key: str, version_id: str) -> _H:
        """The handle of one version of an object."""
        return self.object(bucket, key, version_id)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, socket={self.socket!r})"


_C = TypeVar("_C")


class _ObjectBase(Generic[_C]):
    def __init__(self, client: _C, ref: ObjectRef) -> None:
        self.client = client
        self.ref = ref

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ref!r})"


# -- blocking --------------------------------------------------------------------------------


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
        """Always ``True``."""
        return True

    def _next_chunk(self) -> bytes | None:
        while not self._eof:
            try:
                with _translated():
                    frame = next(self._frames, None)
            except GestaltError:
                self._eof = True
                raise
            if frame is None:
                self._eof = True
                return None
            if data := _data_of(frame, self._frames.cancel):
                return data
        return None

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next bytes of the body; 0 at its end."""
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
        """The rest of the body."""
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
        """Stop reading (cancels the call if the body was not read to its end)."""
        if not self.closed and not self._eof:
            self._frames.cancel()
        super().close()


class S3Object(_ObjectBase["S3"]):
    """One object, with the object-centred API (``s3.object(bucket, key)``).

    Attributes:
        client: The client the handle calls through.
        ref: The object's bucket, key and version.
    """

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
        return self.write(*_text_write(body, options, encoding), timeout=timeout)

    def write_json(
        self, value: Any, options: WriteOptions | None = None, *, timeout: float | None = None
    ) -> ObjectMeta:
        """Write a value as JSON (``application/json`` unless a content type is given)."""
        return self.write(*_json_write(value, options), timeout=timeout)

    def delete(self, *, timeout: float | None = None) -> None:
        """Delete the object (a missing object is fine)."""
        self.client.delete_object(self.ref, timeout=timeout)

    def presign(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL (the host refuses this for provider bindings)."""
        return self.client.presign_object(self.ref, options, timeout=timeout)


class S3(_ClientBase[S3Object]):
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
        super().__init__(name, socket, timeout)
        self._channel = grpc.insecure_channel(
            unix_target(self.socket), options=channel_options(HOST_MAX_MESSAGE_BYTES)
        )
        self._stub = s3_pb2_grpc.S3Stub(self._channel)

    @classmethod
    def connect(cls, name: str | None = None, *, timeout: float | None = None) -> S3:
        """Connect to binding ``name`` (``None``: the default binding)."""
        return cls(name, timeout=timeout)

    def object(self, bucket: str, key: str, version_id: str = "") -> S3Object:
        """The object-centred handle of ``bucket``/``key`` (and optionally one version)."""
        return S3Object(self, ObjectRef(bucket, key, version_id))

    def _call(self, method: Any, request: Any, timeout: float | None) -> Any:
        with _translated():
            return method(request, timeout=self._timeout(timeout))

    def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata."""
        return meta_from_wire(self._call(self._stub.HeadObject, _head_request(ref), timeout).meta)

    def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, ObjectReader]:
        """Metadata (of the whole object) and a streaming reader of the body or range."""
        request = read_request_to_wire(ref, options)
        frames = self._stub.ReadObject(request, timeout=self._timeout(timeout))
        with _translated():
            first = next(frames, None)
        return _first_meta(first, frames.cancel), ObjectReader(frames)

    def write_object(
        self,
        ref: ObjectRef,
        body: ObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Stream ``body`` into the object; returns the committed object's metadata."""
        requests = _write_requests(ref, body, options)
        return meta_from_wire(self._call(self._stub.WriteObject, requests, timeout).meta)

    def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        """Delete the object; a missing object is not an error."""
        self._call(self._stub.DeleteObject, _delete_request(ref), timeout)

    def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        """One page of a listing."""
        request = list_request_to_wire(options)
        return page_from_wire(self._call(self._stub.ListObjects, request, timeout))

    def iter_pages(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> Iterator[ListPage]:
        """Every page of a listing, following continuation tokens."""
        page_options: ListOptions | None = options
        while page_options is not None:
            page = self.list_objects(page_options, timeout=timeout)
            yield page
            page_options = _next_page(options, page)

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
        request = _copy_request(source, destination, options)
        return meta_from_wire(self._call(self._stub.CopyObject, request, timeout).meta)

    def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL for the object."""
        request = presign_request_to_wire(ref, options)
        return _presign_result(self._call(self._stub.PresignObject, request, timeout), options)

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


# -- asyncio ---------------------------------------------------------------------------------


class AsyncObjectReader:
    """A streamed object body for the async client: ``async for chunk in reader``."""

    def __init__(self, call: Any) -> None:
        self._call = call
        self._eof = False

    async def _next_chunk(self) -> bytes | None:
        while not self._eof:
            try:
                with _translated():
                    frame = await self._call.read()
            except GestaltError:
                self._eof = True
                raise
            if frame is grpc.aio.EOF:
                self._eof = True
                return None
            if data := _data_of(frame, self._call.cancel):
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


class AsyncS3Object(_ObjectBase["AsyncS3"]):
    """One object, with the object-centred API of :class:`AsyncS3` (see :class:`S3Object`).

    Attributes:
        client: The client the handle calls through.
        ref: The object's bucket, key and version.
    """

    async def stat(self, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata (``NotFoundError`` when missing)."""
        return await self.client.head_object(self.ref, timeout=timeout)

    async def exists(self, *, timeout: float | None = None) -> bool:
        """Whether the object exists."""
        try:
            await self.stat(timeout=timeout)
        except NotFoundError:
            return False
        return True

    async def stream(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, AsyncObjectReader]:
        """Metadata and a streaming reader of the body."""
        return await self.client.read_object(self.ref, options, timeout=timeout)

    async def bytes(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> bytes:
        """The whole body (or range) in memory."""
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
        """The body decoded as text."""
        return (await self.bytes(options, timeout=timeout)).decode(encoding)

    async def json(
        self, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> Any:
        """The body parsed as JSON."""
        return _json.loads(await self.bytes(options, timeout=timeout))

    async def write(
        self,
        body: AsyncObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write the object from bytes, a file, (async) chunks or nothing."""
        return await self.client.write_object(self.ref, body, options, timeout=timeout)

    async def write_bytes(
        self,
        body: builtins.bytes,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write bytes."""
        return await self.write(body, options, timeout=timeout)

    async def write_text(
        self,
        body: str,
        options: WriteOptions | None = None,
        *,
        encoding: str = "utf-8",
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Write text (``text/plain; charset=...`` unless a content type is given)."""
        return await self.write(*_text_write(body, options, encoding), timeout=timeout)

    async def write_json(
        self, value: Any, options: WriteOptions | None = None, *, timeout: float | None = None
    ) -> ObjectMeta:
        """Write a value as JSON (``application/json`` unless a content type is given)."""
        return await self.write(*_json_write(value, options), timeout=timeout)

    async def delete(self, *, timeout: float | None = None) -> None:
        """Delete the object (a missing object is fine)."""
        await self.client.delete_object(self.ref, timeout=timeout)

    async def presign(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL (the host refuses this for provider bindings)."""
        return await self.client.presign_object(self.ref, options, timeout=timeout)


class AsyncS3(_ClientBase[AsyncS3Object]):
    """The ``asyncio`` twin of :class:`S3`, with the same arguments and methods.

    Make it inside the event loop that will use it (a ``grpc.aio`` channel belongs to
    one loop).
    """

    def __init__(
        self, name: str | None = None, *, socket: str | None = None, timeout: float | None = None
    ) -> None:
        super().__init__(name, socket, timeout)
        self._channel = grpc.aio.insecure_channel(
            unix_target(self.socket), options=channel_options(HOST_MAX_MESSAGE_BYTES)
        )
        self._stub = s3_pb2_grpc.S3Stub(self._channel)

    @classmethod
    def connect(cls, name: str | None = None, *, timeout: float | None = None) -> AsyncS3:
        """Connect to binding ``name`` (``None``: the default binding)."""
        return cls(name, timeout=timeout)

    def object(self, bucket: str, key: str, version_id: str = "") -> AsyncS3Object:
        """The object-centred handle of ``bucket``/``key`` (and optionally one version)."""
        return AsyncS3Object(self, ObjectRef(bucket, key, version_id))

    async def _call(self, method: Any, request: Any, timeout: float | None) -> Any:
        with _translated():
            return await method(request, timeout=self._timeout(timeout))

    async def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata."""
        response = await self._call(self._stub.HeadObject, _head_request(ref), timeout)
        return meta_from_wire(response.meta)

    async def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, AsyncObjectReader]:
        """Metadata (of the whole object) and a streaming reader of the body or range."""
        request = read_request_to_wire(ref, options)
        call = self._stub.ReadObject(request, timeout=self._timeout(timeout))
        with _translated():
            first = await call.read()
        return _first_meta(first, call.cancel), AsyncObjectReader(call)

    async def write_object(
        self,
        ref: ObjectRef,
        body: AsyncObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Stream ``body`` into the object; returns the committed object's metadata."""
        requests = _async_write_requests(ref, body, options)
        return meta_from_wire((await self._call(self._stub.WriteObject, requests, timeout)).meta)

    async def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        """Delete the object; a missing object is not an error."""
        await self._call(self._stub.DeleteObject, _delete_request(ref), timeout)

    async def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        """One page of a listing."""
        request = list_request_to_wire(options)
        return page_from_wire(await self._call(self._stub.ListObjects, request, timeout))

    async def iter_pages(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> AsyncIterator[ListPage]:
        """Every page of a listing, following continuation tokens."""
        page_options: ListOptions | None = options
        while page_options is not None:
            page = await self.list_objects(page_options, timeout=timeout)
            yield page
            page_options = _next_page(options, page)

    async def iter_objects(
        self, options: ListOptions, *, timeout: float | None = None
    ) -> AsyncIterator[ObjectMeta]:
        """Every object of a listing, across pages."""
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
        """Copy server-side; conditions apply to the source. Returns the copy's metadata."""
        request = _copy_request(source, destination, options)
        return meta_from_wire((await self._call(self._stub.CopyObject, request, timeout)).meta)

    async def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL for the object."""
        request = presign_request_to_wire(ref, options)
        response = await self._call(self._stub.PresignObject, request, timeout)
        return _presign_result(response, options)

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

    async def __aenter__(self) -> AsyncS3:
        return self

    async def __aexit__(self, *exc: builtins.object) -> None:
        await self.close()
