"""The cache surface: how ``python -m gestalt._runtime ROOT TARGET cache`` serves."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import grpc.aio
from google.protobuf import empty_pb2

from gestalt.cache._provider import AsyncCacheProvider, CacheEntry, CacheProvider
from gestalt.cache._ttl import ttl_from_wire
from gestalt.core import (
    Context,
    FailedPreconditionError,
    Hooks,
    LoadedProvider,
    ProviderKind,
    Runtime,
    resolve_target,
    unary,
)
from gestalt.provider.v1 import cache_pb2, cache_pb2_grpc

_SINGLE = ("get", "set", "delete", "touch")
_BATCH_DEFAULTS = {
    name: (getattr(CacheProvider, name), getattr(AsyncCacheProvider, name))
    for name in ("get_many", "set_many", "delete_many")
}


def _is_provider(candidate: object) -> bool:
    return not isinstance(candidate, type) and all(
        callable(getattr(candidate, name, None)) for name in _SINGLE
    )


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
    )


def _value(result: object, method: str) -> bytes | None:
    if result is None or isinstance(result, bytes):
        return result
    if isinstance(result, bytearray | memoryview):
        return bytes(result)
    raise TypeError(f"{method} returned {type(result).__name__}, not bytes or None")


def _ttl(request: Any) -> timedelta | None:
    return ttl_from_wire(request.ttl if request.HasField("ttl") else None)


class CacheServicer(cache_pb2_grpc.CacheServicer):
    """The seven ``Cache`` rpcs over a provider object (PROTOCOL.md 6).

    Each provider method is adapted once (``def`` to the thread pool, ``async def`` on
    the loop). Batch rpcs call the provider's own batch method when it has one that
    matches its single-key methods, and otherwise loop over the single-key methods.
    Calls before the host's ``ConfigureProvider`` answer ``FAILED_PRECONDITION``.
    """

    def __init__(self, provider: object, runtime: Runtime) -> None:
        self._runtime = runtime
        get, set_, delete, touch = (getattr(provider, name) for name in _SINGLE)
        self._get: Callable[[str], Awaitable[Any]] = runtime.to_async(get)
        self._set: Callable[[str, bytes, timedelta | None], Awaitable[Any]] = runtime.to_async(set_)
        self._delete: Callable[[str], Awaitable[Any]] = runtime.to_async(delete)
        self._touch: Callable[[str, timedelta | None], Awaitable[Any]] = runtime.to_async(touch)

        def batch(name: str, single: Callable[..., Any], fallback: Callable[..., Any]) -> Any:
            own = getattr(provider, name, None)
            if callable(own):
                inherited = getattr(type(provider), name, None) in _BATCH_DEFAULTS[name]
                # An inherited default calls the single-key methods itself, so it only
                # works when they are as sync or async as it is.
                if not inherited or _is_async(own) == _is_async(single):
                    return runtime.to_async(own)
            return (
                fallback if _is_async(single) else runtime.to_async(_sync_fallbacks[name](provider))
            )

        self._get_many: Callable[[Sequence[str]], Awaitable[Any]] = batch(
            "get_many", get, self._loop_get_many
        )
        self._set_many: Callable[[Sequence[CacheEntry], timedelta | None], Awaitable[Any]] = batch(
            "set_many", set_, self._loop_set_many
        )
        self._delete_many: Callable[[Sequence[str]], Awaitable[Any]] = batch(
            "delete_many", delete, self._loop_delete_many
        )

    def _check_configured(self) -> None:
        if not self._runtime.configured:
            raise FailedPreconditionError("cache provider used before ConfigureProvider")

    # -- loops over async single-key methods ----------------------------------------------

    async def _loop_get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        found: dict[str, bytes] = {}
        for key in dict.fromkeys(keys):
            value = _value(await self._get(key), "get")
            if value is not None:
                found[key] = value
        return found

    async def _loop_set_many(self, entries: Sequence[CacheEntry], ttl: timedelta | None) -> None:
        for entry in entries:
            await self._set(entry.key, entry.value, ttl)

    async def _loop_delete_many(self, keys: Sequence[str]) -> int:
        removed = 0
        for key in dict.fromkeys(keys):
            removed += bool(await self._delete(key))
        return removed

    # -- rpcs -----------------------------------------------------------------------------

    @unary("cache get")
    async def Get(
        self, request: cache_pb2.CacheGetRequest, context: Context
    ) -> cache_pb2.CacheGetResponse:
        self._check_configured()
        value = _value(await self._get(request.key), "get")
        if value is None:
            return cache_pb2.CacheGetResponse(found=False)
        return cache_pb2.CacheGetResponse(found=True, value=value)

    @unary("cache get many")
    async def GetMany(
        self, request: cache_pb2.CacheGetManyRequest, context: Context
    ) -> cache_pb2.CacheGetManyResponse:
        self._check_configured()
        keys = list(request.keys)
        if not keys:
            return cache_pb2.CacheGetManyResponse()
        found = await self._get_many(keys)
        if not isinstance(found, Mapping):
            raise TypeError(f"get_many returned {type(found).__name__}, not a mapping")
        response = cache_pb2.CacheGetManyResponse()
        for key in keys:  # one result per requested key, in order, duplicates included
            value = _value(found.get(key), "get_many")
            if value is None:
                response.entries.add(key=key, found=False)
            else:
                response.entries.add(key=key, found=True, value=value)
        return response

    @unary("cache set")
    async def Set(self, request: cache_pb2.CacheSetRequest, context: Context) -> empty_pb2.Empty:
        self._check_configured()
        await self._set(request.key, request.value, _ttl(request))
        return empty_pb2.Empty()

    @unary("cache set many")
    async def SetMany(
        self, request: cache_pb2.CacheSetManyRequest, context: Context
    ) -> empty_pb2.Empty:
        self._check_configured()
        ttl = _ttl(request)
        entries = [CacheEntry(entry.key, entry.value) for entry in request.entries]
        if entries:
            await self._set_many(entries, ttl)
        return empty_pb2.Empty()

    @unary("cache delete")
    async def Delete(
        self, request: cache_pb2.CacheDeleteRequest, context: Context
    ) -> cache_pb2.CacheDeleteResponse:
        self._check_configured()
        deleted = await self._delete(request.key)
        if not isinstance(deleted, bool):
            raise TypeError(f"delete returned {type(deleted).__name__}, not bool")
        return cache_pb2.CacheDeleteResponse(deleted=deleted)

    @unary("cache delete many")
    async def DeleteMany(
        self, request: cache_pb2.CacheDeleteManyRequest, context: Context
    ) -> cache_pb2.CacheDeleteManyResponse:
        self._check_configured()
        keys = list(request.keys)
        removed = await self._delete_many(keys) if keys else 0
        if isinstance(removed, bool) or not isinstance(removed, int):
            raise TypeError(f"delete_many returned {type(removed).__name__}, not int")
        return cache_pb2.CacheDeleteManyResponse(deleted=removed)

    @unary("cache touch")
    async def Touch(
        self, request: cache_pb2.CacheTouchRequest, context: Context
    ) -> cache_pb2.CacheTouchResponse:
        self._check_configured()
        touched = await self._touch(request.key, _ttl(request))
        if not isinstance(touched, bool):
            raise TypeError(f"touch returned {type(touched).__name__}, not bool")
        return cache_pb2.CacheTouchResponse(touched=touched)


# Loops for sync providers without their own batch methods: the whole loop runs in one
# trip to the thread pool instead of one trip per key.
_sync_fallbacks: dict[str, Callable[[Any], Callable[..., Any]]] = {
    "get_many": lambda provider: lambda keys: CacheProvider.get_many(provider, keys),
    "set_many": lambda provider: (
        lambda entries, ttl: CacheProvider.set_many(provider, entries, ttl)
    ),
    "delete_many": lambda provider: lambda keys: CacheProvider.delete_many(provider, keys),
}


class CacheSurface:
    """Serves ``Cache`` (and core's ``ProviderLifecycle``) for KIND ``cache``."""

    kind = ProviderKind.CACHE

    def load(self, target: object) -> LoadedProvider:
        """Accept an object with ``get``/``set``/``delete``/``touch``, or a class/factory
        that makes one."""
        provider = resolve_target(
            target,
            _is_provider,
            expected="a cache provider (an object with get, set, delete and touch methods)",
        )

        def register(server: grpc.aio.Server, runtime: Runtime) -> None:
            cache_pb2_grpc.add_CacheServicer_to_server(CacheServicer(provider, runtime), server)

        return LoadedProvider(provider, Hooks.find(provider), register)


surface = CacheSurface()
