"""The cache surface: how ``python -m gestalt._runtime ROOT TARGET cache`` serves.

The ``Cache`` service is the same on protocols 2 and 5; the servicer builds its replies
from the served protocol's stubs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

import grpc
from google.protobuf import empty_pb2

from gestalt.cache._provider import AsyncCacheProvider, CacheEntry, CacheProvider
from gestalt.cache._ttl import ttl_from_wire
from gestalt.core import FailedPreconditionError, GestaltError, ProviderKind, nonblocking
from gestalt.core.serving import (
    Context,
    Runtime,
    ServicerSurface,
    bounded,
    guard,
    host_max_message_bytes,
    is_async,
    is_nonblocking,
)

if TYPE_CHECKING:  # the request types, for checking; the same fields on both protocols
    from gestalt.provider.v1 import cache_pb2

_SINGLE = ("get", "set", "delete", "touch")
_SINGLE_OF = {"get_many": "get", "set_many": "set", "delete_many": "delete"}
_DEFAULTS = {
    name: (getattr(CacheProvider, name), getattr(AsyncCacheProvider, name)) for name in _SINGLE_OF
}
# What a Get reply adds to its value: the ``found`` flag, the value's tag and length.
_GET_REPLY_OVERHEAD = 16


class _ReplyTooLarge(GestaltError):
    """A value, or a batch of them, that the host could never receive in one reply."""

    http_status = 413
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED


def _value(result: object, method: str) -> bytes | None:
    if result is None or isinstance(result, bytes):
        return result
    if isinstance(result, bytearray | memoryview):
        return bytes(result)
    raise TypeError(f"{method} returned {type(result).__name__}, not bytes or None")


def _ttl(request: Any) -> timedelta | None:
    return ttl_from_wire(request.ttl if request.HasField("ttl") else None)


def _batch(provider: object, name: str, runtime: Runtime) -> Callable[..., Awaitable[Any]]:
    """The provider's own batch method, or a base class's loop over its single-key method.

    An inherited default calls the single-key method itself, so it runs the way that
    method does: the default of the base that is as sync or async as it is, in one trip to
    the pool for a whole ``def`` batch, or inline when the method is marked nonblocking.
    """
    single = getattr(provider, _SINGLE_OF[name])
    own = getattr(provider, name, None)
    inherited = getattr(type(provider), name, None) in _DEFAULTS[name]
    if callable(own) and not inherited:
        return runtime.to_async(own)
    base = AsyncCacheProvider if is_async(single) else CacheProvider
    loop = functools.partial(getattr(base, name), provider)
    return runtime.to_async(nonblocking(loop) if is_nonblocking(single) else loop)


class CacheServicer:
    """The seven ``Cache`` rpcs over a provider object.

    Each provider method is adapted once (``def`` to the thread pool, ``async def`` on
    the loop). Calls before the host's ``ConfigureProvider`` answer ``FAILED_PRECONDITION``.
    A value the host could not read back in a ``Get`` reply is refused at ``Set``.
    """

    def __init__(self, provider: object, runtime: Runtime, messages: ModuleType) -> None:
        self._runtime = runtime
        self._pb = messages
        self._limit = host_max_message_bytes()
        get, set_, delete, touch = (runtime.to_async(getattr(provider, n)) for n in _SINGLE)
        self._get: Callable[[str], Awaitable[Any]] = get
        self._set: Callable[[str, bytes, timedelta | None], Awaitable[Any]] = set_
        self._delete: Callable[[str], Awaitable[Any]] = delete
        self._touch: Callable[[str, timedelta | None], Awaitable[Any]] = touch
        get_many, set_many, delete_many = (_batch(provider, n, runtime) for n in _SINGLE_OF)
        self._get_many: Callable[[Sequence[str]], Awaitable[Any]] = get_many
        self._set_many: Callable[[Sequence[CacheEntry], timedelta | None], Awaitable[Any]] = (
            set_many
        )
        self._delete_many: Callable[[Sequence[str]], Awaitable[Any]] = delete_many

    def _check_configured(self) -> None:
        if not self._runtime.configured:
            raise FailedPreconditionError("cache provider used before ConfigureProvider")

    def _check_fits(self, key: str, value: bytes) -> None:
        size = len(value) + _GET_REPLY_OVERHEAD
        if size > self._limit:
            raise _ReplyTooLarge(
                f"value of {len(value)} bytes for key {bounded(key)!r} not stored: a Get "
                f"reply carrying it would exceed the host's {self._limit}-byte message limit"
            )

    @guard("cache get")
    async def Get(self, request: cache_pb2.CacheGetRequest, context: Context) -> Any:
        self._check_configured()
        value = _value(await self._get(request.key), "get")
        if value is None:
            return self._pb.CacheGetResponse(found=False)
        self._check_fits(request.key, value)
        return self._pb.CacheGetResponse(found=True, value=value)

    @guard("cache get many")
    async def GetMany(self, request: cache_pb2.CacheGetManyRequest, context: Context) -> Any:
        self._check_configured()
        keys = list(request.keys)
        if not keys:
            return self._pb.CacheGetManyResponse()
        found = await self._get_many(keys)
        if not isinstance(found, Mapping):
            raise TypeError(f"get_many returned {type(found).__name__}, not a mapping")
        response = self._pb.CacheGetManyResponse()
        size = 0
        for key in keys:  # one result per requested key, in order, duplicates included
            value = _value(found.get(key), "get_many")
            if value is None:
                response.entries.add(key=key, found=False)
                continue
            size += len(key) + len(value) + _GET_REPLY_OVERHEAD
            if size > self._limit:
                raise _ReplyTooLarge(
                    f"the values of these {len(keys)} keys exceed the host's "
                    f"{self._limit}-byte message limit together; get fewer keys at a time"
                )
            response.entries.add(key=key, found=True, value=value)
        return response

    @guard("cache set")
    async def Set(self, request: cache_pb2.CacheSetRequest, context: Context) -> empty_pb2.Empty:
        self._check_configured()
        self._check_fits(request.key, request.value)
        await self._set(request.key, request.value, _ttl(request))
        return empty_pb2.Empty()

    @guard("cache set many")
    async def SetMany(
        self, request: cache_pb2.CacheSetManyRequest, context: Context
    ) -> empty_pb2.Empty:
        self._check_configured()
        ttl = _ttl(request)
        entries = [CacheEntry(entry.key, entry.value) for entry in request.entries]
        for entry in entries:  # all checked first: a refused batch stores nothing
            self._check_fits(entry.key, entry.value)
        if entries:
            await self._set_many(entries, ttl)
        return empty_pb2.Empty()

    @guard("cache delete")
    async def Delete(self, request: cache_pb2.CacheDeleteRequest, context: Context) -> Any:
        self._check_configured()
        deleted = await self._delete(request.key)
        if not isinstance(deleted, bool):
            raise TypeError(f"delete returned {type(deleted).__name__}, not bool")
        return self._pb.CacheDeleteResponse(deleted=deleted)

    @guard("cache delete many")
    async def DeleteMany(self, request: cache_pb2.CacheDeleteManyRequest, context: Context) -> Any:
        self._check_configured()
        keys = list(request.keys)
        removed = await self._delete_many(keys) if keys else 0
        if isinstance(removed, bool) or not isinstance(removed, int):
            raise TypeError(f"delete_many returned {type(removed).__name__}, not int")
        return self._pb.CacheDeleteManyResponse(deleted=removed)

    @guard("cache touch")
    async def Touch(self, request: cache_pb2.CacheTouchRequest, context: Context) -> Any:
        self._check_configured()
        touched = await self._touch(request.key, _ttl(request))
        if not isinstance(touched, bool):
            raise TypeError(f"touch returned {type(touched).__name__}, not bool")
        return self._pb.CacheTouchResponse(touched=touched)


surface = ServicerSurface(
    ProviderKind.CACHE,
    _SINGLE,
    "a cache provider (an object with get, set, delete and touch methods)",
    CacheServicer,
    {2: ("cache", "Cache"), 5: ("cache", "Cache")},
    optional=("get_many", "set_many", "delete_many"),
)
