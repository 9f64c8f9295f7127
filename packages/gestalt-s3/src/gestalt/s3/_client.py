"""Clients of the host's object store, sync and async, on either host generation.

A protocol-2 host serves each binding on its own socket (``GESTALT_S3_SOCKET[_<BINDING>]``)
and objects are named by bucket and key; a protocol-5 host serves every binding on one
endpoint (``GESTALT_HOST_SERVICE_SOCKET``, the binding named in each call's metadata),
each binding is one store, and objects are named by key only (``s3.object(key)``); it
also mints object access URLs (:meth:`S3.create_object_access_url`).

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

from gestalt.core import GestaltError, InvalidArgumentError, NotFoundError, UnimplementedError
from gestalt.core._wire import stubs
from gestalt.core.serving import (
    HOST_MAX_MESSAGE_BYTES,
    error_from_rpc,
    host_channel,
    host_endpoint,
    host_socket_env,
)
from gestalt.s3._convert import S3Wire, presign_result_from_wire
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
#: Size of the frames a write sends.
CHUNK_BYTES = 64 * 1024


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


#: What a write accepts: bytes, a binary file (anything with ``read(n)``), an iterable
#: of bytes, or ``None`` for an empty object. The async client also takes async iterables.
ObjectBody: TypeAlias = bytes | bytearray | memoryview | _Readable | Iterable[bytes] | None
AsyncObjectBody: TypeAlias = ObjectBody | AsyncIterable[bytes]

# -- host-client plumbing: the endpoint and channel (gestalt.core.serving), the socket
# -- variable and the rpc-error translation each live in exactly one place.


def s3_socket_env(name: str | None = None) -> str:
    """The variable naming a binding's socket: ``GESTALT_S3_SOCKET`` or ``..._<NAME>``.

    The name is normalised as the host does: ASCII letters upper-cased, digits kept,
    every other character ``_``.
    """
    return host_socket_env("s3", name)


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


def _write_requests(
    wire: S3Wire, ref: ObjectRef, body: ObjectBody, options: WriteOptions | None
) -> Iterator[Any]:
    yield wire.write_open(ref, options)
    for chunk in _frames_of(body):
        if chunk:
            yield wire.pb.WriteObjectRequest(data=chunk)


async def _async_write_requests(
    wire: S3Wire, ref: ObjectRef, body: AsyncObjectBody, options: WriteOptions | None
) -> AsyncIterator[Any]:
    if not isinstance(body, AsyncIterable):
        for request in _write_requests(wire, ref, body, options):
            yield request
        return
    yield wire.write_open(ref, options)
    async for part in body:
        for chunk in _frames_of(part):
            if chunk:
                yield wire.pb.WriteObjectRequest(data=chunk)


def _presign_result(response: Any, options: PresignOptions | None) -> PresignResult:
    return presign_result_from_wire(response, (options or PresignOptions()).method)


def _key_ref(ref: ObjectRef | str) -> ObjectRef:
    """A ref from a ref or a bare key (a key names an object of a protocol-5 store)."""
    return ObjectRef("", ref) if isinstance(ref, str) else ref


def _next_page(options: ListOptions, page: ListPage) -> ListOptions | None:
    """The options of the page after ``page``, or ``None`` after the last one."""
    if not page.has_more or not page.next_continuation_token:
        return None
    return dataclasses.replace(options, continuation_token=page.next_continuation_token)


def _first_meta(wire: S3Wire, first: object, cancel: Callable[[], object]) -> ObjectMeta:
    """The metadata of a read stream's first frame (``first`` is not a chunk at its end)."""
    if not isinstance(first, wire.pb.ReadObjectChunk):
        raise GestaltError("read stream ended before its metadata")
    if first.WhichOneof("result") != "meta":
        cancel()
        raise GestaltError("read stream did not start with metadata")
    return wire.meta_from(first.meta)


def _data_of(frame: Any, cancel: Callable[[], object]) -> bytes:
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
    """What both clients share: the binding, its endpoint and wire generation, the
    default deadline and object handles.

    Attributes:
        protocol: The host's generation (2 or 5), whose stubs the client uses.
        socket: The binding's socket path (2) or the host's one endpoint (5).
        bucket: The bucket a protocol-2 host is sent when a call names none ("" on 5).
    """

    _aio = False

    def __init__(
        self, name: str | None, socket: str | None, timeout: float | None, bucket: str
    ) -> None:
        # Frames are 64 KiB; the host reads at most HOST_MAX_MESSAGE_BYTES per message.
        endpoint = host_endpoint("s3", name, socket, S3NotBoundError, HOST_MAX_MESSAGE_BYTES)
        self.name = name
        self.protocol = endpoint.protocol
        self.socket = endpoint.address
        self.timeout = timeout
        # A protocol-5 binding is one store: the bucket is for protocol-2 hosts only, which
        # lets one provider's code name objects by key under either host.
        self.bucket = bucket if self.protocol == 2 else ""
        self._wire = S3Wire(endpoint.protocol)
        services = stubs(endpoint.protocol, "s3")[1]
        self._channel = host_channel(endpoint, aio=self._aio)
        self._stub = services.S3Stub(self._channel)
        # S3ObjectAccess exists on protocol 5 only, on the same endpoint and binding.
        self._access = services.S3ObjectAccessStub(self._channel) if self.protocol == 5 else None

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def _ref(self, bucket_or_key: str, key: str | None, version_id: str) -> ObjectRef:
        if key is None:
            if self.protocol == 2 and not self.bucket:
                raise InvalidArgumentError(
                    "a protocol-2 host names objects by bucket and key: s3.object(bucket, key), "
                    "or connect(name, bucket=...) to name them by key"
                )
            return ObjectRef(self.bucket, bucket_or_key, version_id)
        self._wire.check_bucket(bucket_or_key)
        return ObjectRef(bucket_or_key, key, version_id)

    def _list_request(self, options: ListOptions) -> Any:
        if self.bucket and not options.bucket:
            options = dataclasses.replace(options, bucket=self.bucket)
        return self._wire.list_request(options)

    def _access_stub(self) -> Any:
        if self._access is None:
            raise UnimplementedError(
                "object access URLs need a protocol-5 host; this one speaks protocol 2 "
                "(use presign_object there)"
            )
        return self._access

    def object(self, bucket_or_key: str, key: str | None = None, version_id: str = "") -> _H:
        """The object-centred handle of one object (and optionally one version).

        ``s3.object(key)`` on a protocol-5 host, ``s3.object(bucket, key)`` on a protocol-2
        host, whose client may also name objects by key when made with a ``bucket``. A
        bucket given to a protocol-5 host raises :class:`InvalidArgumentError` (it is
        never silently dropped).
        """
        raise NotImplementedError  # each client returns its own handle type

    def object_version(self, bucket: str, key: str, version_id: str) -> _H:
        """The handle of one version of an object (``bucket`` is ``""`` on protocol 5)."""
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
    """One object, with the object-centred API (``s3.object(key)`` on protocol 5,
    ``s3.object(bucket, key)`` on protocol 2).

    Attributes:
        client: The client the handle calls through.
        ref: The object's bucket (``""`` on protocol 5), key and version.
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
        """A presigned URL (see :meth:`S3.presign_object`)."""
        return self.client.presign_object(self.ref, options, timeout=timeout)

    def access_url(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A host-mediated URL (protocol 5; see :meth:`S3.create_object_access_url`)."""
        return self.client.create_object_access_url(self.ref, options, timeout=timeout)


class S3(_ClientBase[S3Object]):
    """Blocking client of one host object-store binding.

    On a protocol-5 host (``GESTALT_HOST_SERVICE_SOCKET`` set) every call goes to that one
    endpoint with ``x-gestalt-host-binding: <name>`` (when ``name`` is given) and the relay
    token ``GESTALT_HOST_SERVICE_TOKEN`` (when set); objects are named by key only. On a
    protocol-2 host the binding's own socket variable is used, with bucket and key.

    Args:
        name: The binding; ``None`` is the unnamed default (``GESTALT_S3_SOCKET`` on 2).
        socket: A protocol-2 binding socket path to use instead of the environment.
        timeout: Default deadline in seconds for every call (``None``: no deadline).
        bucket: On a protocol-2 host, the bucket of objects named by key alone
            (``s3.object(key)``, a ``ListOptions`` without a bucket); a protocol-5 binding
            is one store and needs none.

    Raises:
        S3NotBoundError: Protocol 2, and the binding's variable is not set.
        HostServiceAddressError: Protocol 5, and ``GESTALT_HOST_SERVICE_SOCKET`` is empty
            or not a path, ``unix://``, ``tcp://`` or ``tls://`` address.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        socket: str | None = None,
        timeout: float | None = None,
        bucket: str = "",
    ) -> None:
        super().__init__(name, socket, timeout, bucket)

    @classmethod
    def connect(
        cls, name: str | None = None, *, timeout: float | None = None, bucket: str = ""
    ) -> S3:
        """Connect to binding ``name`` (``None``: the default binding); ``bucket`` names
        objects given by key alone on a protocol-2 host."""
        return cls(name, timeout=timeout, bucket=bucket)

    def object(self, bucket_or_key: str, key: str | None = None, version_id: str = "") -> S3Object:
        """The handle of ``s3.object(key)`` (protocol 5) or ``s3.object(bucket, key)`` (2)."""
        return S3Object(self, self._ref(bucket_or_key, key, version_id))

    def _call(self, method: Any, request: Any, timeout: float | None) -> Any:
        with _translated():
            return method(request, timeout=self._timeout(timeout))

    def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata."""
        request = self._wire.pb.HeadObjectRequest(ref=self._wire.ref_to(ref))
        return self._wire.meta_from(self._call(self._stub.HeadObject, request, timeout).meta)

    def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, ObjectReader]:
        """Metadata (of the whole object) and a streaming reader of the body or range."""
        request = self._wire.read_request(ref, options)
        frames = self._stub.ReadObject(request, timeout=self._timeout(timeout))
        with _translated():
            first = next(frames, None)
        return _first_meta(self._wire, first, frames.cancel), ObjectReader(frames)

    def write_object(
        self,
        ref: ObjectRef,
        body: ObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Stream ``body`` into the object; returns the committed object's metadata."""
        requests = _write_requests(self._wire, ref, body, options)
        return self._wire.meta_from(self._call(self._stub.WriteObject, requests, timeout).meta)

    def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        """Delete the object; a missing object is not an error."""
        request = self._wire.pb.DeleteObjectRequest(ref=self._wire.ref_to(ref))
        self._call(self._stub.DeleteObject, request, timeout)

    def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        """One page of a listing."""
        request = self._list_request(options)
        return self._wire.page_from(self._call(self._stub.ListObjects, request, timeout))

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
        request = self._wire.copy_request(source, destination, options)
        return self._wire.meta_from(self._call(self._stub.CopyObject, request, timeout).meta)

    def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL for the object (a protocol-2 host refuses it for bindings; a
        protocol-5 host answers with a host-mediated URL when it is set up for them)."""
        request = self._wire.presign_request(ref, options)
        return _presign_result(self._call(self._stub.PresignObject, request, timeout), options)

    def create_object_access_url(
        self,
        ref: ObjectRef | str,
        options: PresignOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> PresignResult:
        """A host-mediated URL for the object (``S3ObjectAccess``, protocol 5 only).

        The URL points at the host, which checks the access, limits the URL to this
        provider and binding, and relays the bytes. ``ref`` is an :class:`ObjectRef` or
        a key. ``expires=None`` means the host's default lifetime.

        Raises:
            UnimplementedError: The host speaks protocol 2 (nothing is sent).
            FailedPreconditionError: The host mints no such URLs, or refused this one.
        """
        stub = self._access_stub()
        request = self._wire.presign_request(_key_ref(ref), options, access_url=True)
        return _presign_result(self._call(stub.CreateObjectAccessURL, request, timeout), options)

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
        """A presigned URL (see :meth:`S3.presign_object`)."""
        return await self.client.presign_object(self.ref, options, timeout=timeout)

    async def access_url(
        self, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A host-mediated URL (protocol 5; see :meth:`S3.create_object_access_url`)."""
        return await self.client.create_object_access_url(self.ref, options, timeout=timeout)


class AsyncS3(_ClientBase[AsyncS3Object]):
    """The ``asyncio`` twin of :class:`S3`, with the same arguments and methods.

    Make it inside the event loop that will use it (a ``grpc.aio`` channel belongs to
    one loop).
    """

    _aio = True

    def __init__(
        self,
        name: str | None = None,
        *,
        socket: str | None = None,
        timeout: float | None = None,
        bucket: str = "",
    ) -> None:
        super().__init__(name, socket, timeout, bucket)

    @classmethod
    def connect(
        cls, name: str | None = None, *, timeout: float | None = None, bucket: str = ""
    ) -> AsyncS3:
        """Connect to binding ``name`` (``None``: the default binding); ``bucket`` names
        objects given by key alone on a protocol-2 host."""
        return cls(name, timeout=timeout, bucket=bucket)

    def object(
        self, bucket_or_key: str, key: str | None = None, version_id: str = ""
    ) -> AsyncS3Object:
        """The handle of ``s3.object(key)`` (protocol 5) or ``s3.object(bucket, key)`` (2)."""
        return AsyncS3Object(self, self._ref(bucket_or_key, key, version_id))

    async def _call(self, method: Any, request: Any, timeout: float | None) -> Any:
        with _translated():
            return await method(request, timeout=self._timeout(timeout))

    async def head_object(self, ref: ObjectRef, *, timeout: float | None = None) -> ObjectMeta:
        """The object's metadata."""
        request = self._wire.pb.HeadObjectRequest(ref=self._wire.ref_to(ref))
        response = await self._call(self._stub.HeadObject, request, timeout)
        return self._wire.meta_from(response.meta)

    async def read_object(
        self, ref: ObjectRef, options: ReadOptions | None = None, *, timeout: float | None = None
    ) -> tuple[ObjectMeta, AsyncObjectReader]:
        """Metadata (of the whole object) and a streaming reader of the body or range."""
        request = self._wire.read_request(ref, options)
        call = self._stub.ReadObject(request, timeout=self._timeout(timeout))
        with _translated():
            first = await call.read()
        return _first_meta(self._wire, first, call.cancel), AsyncObjectReader(call)

    async def write_object(
        self,
        ref: ObjectRef,
        body: AsyncObjectBody = None,
        options: WriteOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> ObjectMeta:
        """Stream ``body`` into the object; returns the committed object's metadata."""
        requests = _async_write_requests(self._wire, ref, body, options)
        response = await self._call(self._stub.WriteObject, requests, timeout)
        return self._wire.meta_from(response.meta)

    async def delete_object(self, ref: ObjectRef, *, timeout: float | None = None) -> None:
        """Delete the object; a missing object is not an error."""
        request = self._wire.pb.DeleteObjectRequest(ref=self._wire.ref_to(ref))
        await self._call(self._stub.DeleteObject, request, timeout)

    async def list_objects(self, options: ListOptions, *, timeout: float | None = None) -> ListPage:
        """One page of a listing."""
        request = self._list_request(options)
        return self._wire.page_from(await self._call(self._stub.ListObjects, request, timeout))

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
        request = self._wire.copy_request(source, destination, options)
        response = await self._call(self._stub.CopyObject, request, timeout)
        return self._wire.meta_from(response.meta)

    async def presign_object(
        self, ref: ObjectRef, options: PresignOptions | None = None, *, timeout: float | None = None
    ) -> PresignResult:
        """A presigned URL for the object (see :meth:`S3.presign_object`)."""
        request = self._wire.presign_request(ref, options)
        response = await self._call(self._stub.PresignObject, request, timeout)
        return _presign_result(response, options)

    async def create_object_access_url(
        self,
        ref: ObjectRef | str,
        options: PresignOptions | None = None,
        *,
        timeout: float | None = None,
    ) -> PresignResult:
        """A host-mediated URL for the object (see :meth:`S3.create_object_access_url`)."""
        stub = self._access_stub()
        request = self._wire.presign_request(_key_ref(ref), options, access_url=True)
        response = await self._call(stub.CreateObjectAccessURL, request, timeout)
        return _presign_result(response, options)

    async def close(self) -> None:
        """Close the channel."""
        await self._channel.close()

    async def __aenter__(self) -> AsyncS3:
        return self

    async def __aexit__(self, *exc: builtins.object) -> None:
        await self.close()
