"""The S3 surface: how ``python -m gestalt._runtime ROOT TARGET s3`` serves a provider.

The servicer owns the wire: read frames (metadata first, a 0-byte object is one frame,
data in frames of at most 64 KiB), write frames (``open`` first, exactly once), the
checks on refs, ranges and presign arguments, and the status of every failure.

One servicer serves both generations; what differs is the messages module and the
bucket. On protocol 5 the provider serves one store of its own choosing, so every
:class:`ObjectRef` and :class:`ListOptions` it gets has ``bucket == ""``. Before
configure, a provider with a ``serving_protocol(version)`` method is told the version.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import Any

import grpc
import grpc.aio
from google.protobuf import empty_pb2

from gestalt.core import (
    FailedPreconditionError,
    InvalidArgumentError,
    ProviderKind,
    UnimplementedError,
)
from gestalt.core.serving import Context, Runtime, ServicerSurface, guard, is_async
from gestalt.s3._convert import (
    S3Wire,
    check_range,
    copy_options_from_wire,
    presign_options_from_wire,
    read_options_from_wire,
    write_options_from_wire,
)
from gestalt.s3._read import data_frames
from gestalt.s3._types import ListPage, ObjectMeta, ObjectRef, PresignResult
from gestalt.s3._upload import chunk_source, write_async, write_in_thread

log = logging.getLogger(__name__)


class S3Servicer:
    """``S3`` over a provider object (see :class:`gestalt.s3.S3Provider`), on the
    messages of the served generation.

    Unexpected exceptions answer ``INTERNAL``, as the S3 wire asks (the other services
    answer ``UNKNOWN``).
    """

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._runtime = runtime
        self._wire = S3Wire(runtime.protocol, messages)
        self._pb = messages
        serving_protocol = getattr(provider, "serving_protocol", None)
        if callable(serving_protocol):
            serving_protocol(runtime.protocol)
        self._methods: dict[str, Callable[..., Awaitable[Any]] | None] = {}
        for name in (
            "head_object",
            "read_object",
            "delete_object",
            "list_objects",
            "copy_object",
            "presign_object",
        ):
            method = getattr(provider, name, None)
            self._methods[name] = runtime.to_async(method) if callable(method) else None
        self._write: Callable[..., Any] = provider.write_object  # type: ignore[attr-defined]
        self._write_async = is_async(self._write)

    def _checked_meta(self, meta: object, ref: ObjectRef, method: str) -> Any:
        if not isinstance(meta, ObjectMeta):
            raise TypeError(f"{method} returned {type(meta).__name__}, not ObjectMeta")
        # The host strips its namespace prefix from the key it gets back, so echo the
        # bucket and key exactly as asked.
        return self._wire.meta_to(meta, echo=ref)

    def _check_configured(self) -> None:
        if not self._runtime.configured:  # PROTOCOL.md 8.9
            raise FailedPreconditionError("s3 provider used before ConfigureProvider")

    def _method(self, name: str) -> Callable[..., Awaitable[Any]]:
        self._check_configured()
        method = self._methods[name]
        if method is None:
            raise UnimplementedError(f"{name} is not implemented by this provider")
        return method

    @guard("head object", unexpected=grpc.StatusCode.INTERNAL)
    async def HeadObject(self, request: Any, context: Context) -> Any:
        ref = self._wire.ref_from(request.ref)
        meta = await self._method("head_object")(ref)
        return self._pb.HeadObjectResponse(meta=self._checked_meta(meta, ref, "head_object"))

    @guard("read object", unexpected=grpc.StatusCode.INTERNAL)
    async def ReadObject(self, request: Any, context: Context) -> AsyncIterator[Any]:
        ref = self._wire.ref_from(request.ref)
        options = read_options_from_wire(request)
        check_range(options.range)
        result = await self._method("read_object")(ref, options)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError("read_object must return (ObjectMeta, chunks)")
        meta, chunks = result
        yield self._pb.ReadObjectChunk(meta=self._checked_meta(meta, ref, "read_object"))
        async for frame in data_frames(
            chunks, lambda: self._runtime.executor, self._pb.ReadObjectChunk
        ):
            yield frame

    @guard("write object", unexpected=grpc.StatusCode.INTERNAL)
    async def WriteObject(
        self,
        request_iterator: AsyncIterable[Any],
        context: Context,
    ) -> Any:
        stream = aiter(request_iterator)
        self._check_configured()
        first = await anext(stream, None)
        if first is None or first.WhichOneof("msg") != "open":
            raise InvalidArgumentError("first message must be WriteObjectOpen")
        ref = self._wire.ref_from(first.open.ref)
        options = write_options_from_wire(first.open)
        chunks = chunk_source(stream, context)
        if self._write_async:
            meta = await write_async(self._write, ref, options, chunks)
        else:
            executor = self._runtime.executor
            meta = await write_in_thread(self._write, ref, options, chunks, executor)
        return self._pb.WriteObjectResponse(meta=self._checked_meta(meta, ref, "write_object"))

    @guard("delete object", unexpected=grpc.StatusCode.INTERNAL)
    async def DeleteObject(self, request: Any, context: Context) -> empty_pb2.Empty:
        await self._method("delete_object")(self._wire.ref_from(request.ref))
        return empty_pb2.Empty()

    @guard("list objects", unexpected=grpc.StatusCode.INTERNAL)
    async def ListObjects(self, request: Any, context: Context) -> Any:
        page = await self._method("list_objects")(self._wire.list_options_from(request))
        if not isinstance(page, ListPage):
            raise TypeError(f"list_objects returned {type(page).__name__}, not ListPage")
        return self._wire.page_to(page)

    @guard("copy object", unexpected=grpc.StatusCode.INTERNAL)
    async def CopyObject(self, request: Any, context: Context) -> Any:
        source = self._wire.ref_from(request.source, what="source")
        destination = self._wire.ref_from(request.destination, what="destination")
        meta = await self._method("copy_object")(
            source, destination, copy_options_from_wire(request)
        )
        return self._pb.CopyObjectResponse(
            meta=self._checked_meta(meta, destination, "copy_object")
        )

    @guard("presign object", unexpected=grpc.StatusCode.INTERNAL)
    async def PresignObject(self, request: Any, context: Context) -> Any:
        ref = self._wire.ref_from(request.ref)
        result = await self._method("presign_object")(ref, presign_options_from_wire(request))
        if not isinstance(result, PresignResult):
            raise TypeError(f"presign_object returned {type(result).__name__}, not PresignResult")
        return self._wire.presign_result_to(result)


surface = ServicerSurface(
    ProviderKind.S3,
    ("head_object", "read_object", "write_object"),
    "an S3 provider (an object with head_object, read_object, write_object)",
    S3Servicer,
    {2: ("s3", "S3"), 5: ("s3", "S3")},
    unary=False,
)
