"""The S3 surface: how ``python -m gestalt._runtime ROOT TARGET s3`` serves a provider.

The servicer owns the wire: read frames (metadata first, a 0-byte object is one frame,
data in frames of at most 64 KiB), write frames (``open`` first, exactly once), the
checks on refs, ranges and presign arguments, and the status of every failure.
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
from gestalt.provider.v1 import s3_pb2, s3_pb2_grpc
from gestalt.s3._convert import (
    check_range,
    copy_options_from_wire,
    list_options_from_wire,
    meta_to_wire,
    page_to_wire,
    presign_options_from_wire,
    presign_result_to_wire,
    read_options_from_wire,
    ref_from_wire,
    write_options_from_wire,
)
from gestalt.s3._read import data_frames
from gestalt.s3._types import ListPage, ObjectMeta, ObjectRef, PresignResult
from gestalt.s3._upload import chunk_source, write_async, write_in_thread

log = logging.getLogger(__name__)


def _checked_meta(meta: object, ref: ObjectRef, method: str) -> s3_pb2.S3ObjectMeta:
    if not isinstance(meta, ObjectMeta):
        raise TypeError(f"{method} returned {type(meta).__name__}, not ObjectMeta")
    wire = meta_to_wire(meta)
    # The host strips its namespace prefix from the key it gets back, so echo the key
    # exactly as asked (PROTOCOL.md 8.1, 8.11).
    wire.ref.bucket = ref.bucket
    wire.ref.key = ref.key
    return wire


class S3Servicer(s3_pb2_grpc.S3Servicer):
    """``S3`` over a provider object (see :class:`gestalt.s3.S3Provider`).

    Unexpected exceptions answer ``INTERNAL``, as the S3 wire asks (the other services
    answer ``UNKNOWN``).
    """

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._runtime = runtime
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
    async def HeadObject(
        self, request: s3_pb2.HeadObjectRequest, context: Context
    ) -> s3_pb2.HeadObjectResponse:
        ref = ref_from_wire(request.ref)
        meta = await self._method("head_object")(ref)
        return s3_pb2.HeadObjectResponse(meta=_checked_meta(meta, ref, "head_object"))

    @guard("read object", unexpected=grpc.StatusCode.INTERNAL)
    async def ReadObject(
        self, request: s3_pb2.ReadObjectRequest, context: Context
    ) -> AsyncIterator[s3_pb2.ReadObjectChunk]:
        ref = ref_from_wire(request.ref)
        options = read_options_from_wire(request)
        check_range(options.range)
        result = await self._method("read_object")(ref, options)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError("read_object must return (ObjectMeta, chunks)")
        meta, chunks = result
        yield s3_pb2.ReadObjectChunk(meta=_checked_meta(meta, ref, "read_object"))
        async for frame in data_frames(chunks, lambda: self._runtime.executor):
            yield frame

    @guard("write object", unexpected=grpc.StatusCode.INTERNAL)
    async def WriteObject(
        self,
        request_iterator: AsyncIterable[s3_pb2.WriteObjectRequest],
        context: Context,
    ) -> s3_pb2.WriteObjectResponse:
        stream = aiter(request_iterator)
        self._check_configured()
        first = await anext(stream, None)
        if first is None or first.WhichOneof("msg") != "open":
            raise InvalidArgumentError("first message must be WriteObjectOpen")
        ref = ref_from_wire(first.open.ref)
        options = write_options_from_wire(first.open)
        chunks = chunk_source(stream, context)
        if self._write_async:
            meta = await write_async(self._write, ref, options, chunks)
        else:
            executor = self._runtime.executor
            meta = await write_in_thread(self._write, ref, options, chunks, executor)
        return s3_pb2.WriteObjectResponse(meta=_checked_meta(meta, ref, "write_object"))

    @guard("delete object", unexpected=grpc.StatusCode.INTERNAL)
    async def DeleteObject(
        self, request: s3_pb2.DeleteObjectRequest, context: Context
    ) -> empty_pb2.Empty:
        await self._method("delete_object")(ref_from_wire(request.ref))
        return empty_pb2.Empty()

    @guard("list objects", unexpected=grpc.StatusCode.INTERNAL)
    async def ListObjects(
        self, request: s3_pb2.ListObjectsRequest, context: Context
    ) -> s3_pb2.ListObjectsResponse:
        page = await self._method("list_objects")(list_options_from_wire(request))
        if not isinstance(page, ListPage):
            raise TypeError(f"list_objects returned {type(page).__name__}, not ListPage")
        return page_to_wire(page)

    @guard("copy object", unexpected=grpc.StatusCode.INTERNAL)
    async def CopyObject(
        self, request: s3_pb2.CopyObjectRequest, context: Context
    ) -> s3_pb2.CopyObjectResponse:
        source = ref_from_wire(request.source, what="source")
        destination = ref_from_wire(request.destination, what="destination")
        meta = await self._method("copy_object")(
            source, destination, copy_options_from_wire(request)
        )
        return s3_pb2.CopyObjectResponse(meta=_checked_meta(meta, destination, "copy_object"))

    @guard("presign object", unexpected=grpc.StatusCode.INTERNAL)
    async def PresignObject(
        self, request: s3_pb2.PresignObjectRequest, context: Context
    ) -> s3_pb2.PresignObjectResponse:
        ref = ref_from_wire(request.ref)
        result = await self._method("presign_object")(ref, presign_options_from_wire(request))
        if not isinstance(result, PresignResult):
            raise TypeError(f"presign_object returned {type(result).__name__}, not PresignResult")
        return presign_result_to_wire(result)


surface = ServicerSurface(
    ProviderKind.S3,
    ("head_object", "read_object", "write_object"),
    "an S3 provider (an object with head_object, read_object, write_object)",
    S3Servicer,
    {2: ("s3", "S3")},
    unary=False,
)
