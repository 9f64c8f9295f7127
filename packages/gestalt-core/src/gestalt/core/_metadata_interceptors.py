"""Client interceptors that add fixed metadata (a protocol-5 host's binding and relay token)
to every call of a channel, blocking or ``grpc.aio``, unary or streaming."""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any

import grpc
import grpc.aio


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """A blocking call's details with the metadata added."""


def _with(extra: Sequence[tuple[str, str]], metadata: Any) -> list[tuple[str, str]]:
    return [*(metadata or ()), *extra]


class Metadata(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds fixed metadata to every call of a blocking channel."""

    def __init__(self, metadata: Sequence[tuple[str, str]]) -> None:
        self._extra = tuple(metadata)

    def _details(self, details: Any) -> _CallDetails:
        return _CallDetails(
            details.method,
            details.timeout,
            _with(self._extra, details.metadata),
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], details: Any, request: Any
    ) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(
        self, continuation: Callable[..., Any], details: Any, requests: Any
    ) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(
        self, continuation: Callable[..., Any], details: Any, requests: Any
    ) -> Any:
        return continuation(self._details(details), requests)


class _AsyncMetadata:
    """Adds fixed metadata to the calls of a ``grpc.aio`` channel (one subclass per call
    shape: ``grpc.aio`` files each interceptor under the first shape it implements)."""

    def __init__(self, metadata: Sequence[tuple[str, str]]) -> None:
        self._extra = tuple(metadata)

    async def _continue(self, continuation: Any, details: Any, request: Any) -> Any:
        metadata = grpc.aio.Metadata(*_with(self._extra, details.metadata))
        added = grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )
        return await continuation(added, request)


class _AsyncUnaryUnary(_AsyncMetadata, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await self._continue(continuation, details, request)


class _AsyncUnaryStream(_AsyncMetadata, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await self._continue(continuation, details, request)


class _AsyncStreamUnary(_AsyncMetadata, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await self._continue(continuation, details, requests)


class _AsyncStreamStream(_AsyncMetadata, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await self._continue(continuation, details, requests)


ASYNC_INTERCEPTORS = (_AsyncUnaryUnary, _AsyncUnaryStream, _AsyncStreamUnary, _AsyncStreamStream)
