"""An in-memory host cache service, as gestaltd serves it to an integration provider.

It behaves like upstream ``gestaltd/internal/providerhost/cache_server.go``: keys reach
the backend as ``<plugin>:<key>`` and come back without the prefix, a negative TTL is
``INVALID_ARGUMENT``, and an absent or zero TTL means no expiry. The backend is a plain
dictionary that tests can read and seed (:attr:`HostCacheService.store`). The ``Cache``
messages are the same on protocols 2 and 5; each generation gets a servicer that builds
its own message classes over the one store (the protocol-5 key layout is not known, so
the protocol-2 one is kept).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import grpc
from google.protobuf import duration_pb2, empty_pb2

from gestalt.core._wire import stubs
from gestalt.core.testing._host_contract import abort, wire_of
from gestalt.core.testing._host_services import add_servicers

_MAX_SECONDS = 315_576_000_000
_R = TypeVar("_R")


class _InvalidTTL(Exception):
    pass


def _ttl_seconds(request: Any) -> float | None:
    if not request.HasField("ttl"):
        return None
    ttl: duration_pb2.Duration = request.ttl
    if ttl.seconds < 0 or (ttl.seconds == 0 and ttl.nanos < 0):
        raise _InvalidTTL("ttl must be >= 0")
    if not 0 <= ttl.nanos < 1_000_000_000 or ttl.seconds > _MAX_SECONDS:
        raise _InvalidTTL("ttl is not a valid duration")
    seconds = ttl.seconds + ttl.nanos / 1e9
    return seconds or None


class HostCacheService:
    """One host cache binding for :func:`gestalt.core.testing.launch`'s ``host_services``.

    Args:
        binding: The binding name (``""`` for the unnamed one); it decides the variable
            ``GESTALT_CACHE_SOCKET[_<NAME>]``.
        plugin_name: The prefix for keys; by default the launched plugin's name, set by
            :meth:`bind`.
        clock: Seconds on a monotonic clock (replace it to move time in tests).

    Attributes:
        store: The backend: full key (``<plugin>:<key>``) to ``(value, expires_at)``,
            where ``expires_at`` is on ``clock`` or ``None``. Guard edits with :attr:`lock`
            while the service is serving.
        lock: The lock every rpc holds while it touches :attr:`store`.
    """

    service = "cache"

    def __init__(
        self,
        binding: str = "",
        *,
        plugin_name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.binding = binding
        self.plugin_name = plugin_name or ""
        self._fixed_name = plugin_name is not None
        self._clock = clock
        self.lock = threading.Lock()
        self.store: dict[str, tuple[bytes, float | None]] = {}

    # -- HostService ----------------------------------------------------------------------

    def bind(self, plugin_name: str) -> None:
        """Scope keys to ``plugin_name`` unless a name was given to the constructor."""
        if not self._fixed_name:
            self.plugin_name = plugin_name

    def servicers(self, protocol: int) -> dict[str, object]:
        """The ``Cache`` servicer of ``protocol``'s generation over this store."""
        return {"Cache": _HostCacheServicer(self, stubs(wire_of(protocol), "cache")[0])}

    def add_to_server(self, server: grpc.Server, protocol: int = 2) -> None:
        """Serve this binding alone on ``server``, as ``protocol``'s host would."""
        add_servicers(server, self, protocol)

    # -- inspection -----------------------------------------------------------------------

    def full_key(self, key: str) -> str:
        """The backend key for a caller's key: ``<plugin>:<key>``."""
        return f"{self.plugin_name}:{key}"

    def values(self) -> dict[str, bytes]:
        """Live backend entries, full key to value."""
        with self.lock:
            now = self._clock()
            return {k: v for k, (v, exp) in self.store.items() if exp is None or exp > now}

    def expires_in(self, key: str) -> float | None:
        """Seconds until the caller's ``key`` expires, ``None`` for no expiry.

        Raises:
            KeyError: The key is missing or expired.
        """
        with self.lock:
            value = self._live(self.full_key(key))
            if value is None:
                raise KeyError(key)
            expires = self.store[self.full_key(key)][1]
            return None if expires is None else expires - self._clock()

    # -- the store, under the lock -----------------------------------------------------

    def _live(self, full: str) -> bytes | None:
        item = self.store.get(full)
        if item is None:
            return None
        if item[1] is not None and item[1] <= self._clock():
            del self.store[full]
            return None
        return item[0]

    def _expiry(self, request: Any) -> float | None:
        seconds = _ttl_seconds(request)
        return None if seconds is None else self._clock() + seconds

    def _run(self, context: grpc.ServicerContext, call: Callable[[], _R]) -> _R:
        try:
            with self.lock:
                return call()
        except _InvalidTTL as error:
            abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(error))


class _HostCacheServicer:
    """``Cache`` rpcs of one generation (``pb``, its messages) over a :class:`HostCacheService`."""

    def __init__(self, cache: HostCacheService, pb: ModuleType) -> None:
        self._cache = cache
        self._pb = pb

    def Get(self, request: Any, context: grpc.ServicerContext) -> Any:
        def call() -> Any:
            value = self._cache._live(self._cache.full_key(request.key))
            if value is None:
                return self._pb.CacheGetResponse(found=False)
            return self._pb.CacheGetResponse(found=True, value=value)

        return self._cache._run(context, call)

    def GetMany(self, request: Any, context: grpc.ServicerContext) -> Any:
        def call() -> Any:
            response = self._pb.CacheGetManyResponse()
            for key in request.keys:
                value = self._cache._live(self._cache.full_key(key))
                if value is None:
                    response.entries.add(key=key, found=False)
                else:
                    response.entries.add(key=key, found=True, value=value)
            return response

        return self._cache._run(context, call)

    def Set(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        def call() -> empty_pb2.Empty:
            self._cache.store[self._cache.full_key(request.key)] = (
                request.value,
                self._cache._expiry(request),
            )
            return empty_pb2.Empty()

        return self._cache._run(context, call)

    def SetMany(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        def call() -> empty_pb2.Empty:
            expires = self._cache._expiry(request)
            for entry in request.entries:
                self._cache.store[self._cache.full_key(entry.key)] = (entry.value, expires)
            return empty_pb2.Empty()

        return self._cache._run(context, call)

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        def call() -> Any:
            full = self._cache.full_key(request.key)
            found = self._cache._live(full) is not None
            if found:
                del self._cache.store[full]
            return self._pb.CacheDeleteResponse(deleted=found)

        return self._cache._run(context, call)

    def DeleteMany(self, request: Any, context: grpc.ServicerContext) -> Any:
        def call() -> Any:
            removed = 0
            for key in dict.fromkeys(request.keys):
                full = self._cache.full_key(key)
                if self._cache._live(full) is not None:
                    del self._cache.store[full]
                    removed += 1
            return self._pb.CacheDeleteManyResponse(deleted=removed)

        return self._cache._run(context, call)

    def Touch(self, request: Any, context: grpc.ServicerContext) -> Any:
        def call() -> Any:
            expires = self._cache._expiry(request)
            full = self._cache.full_key(request.key)
            value = self._cache._live(full)
            if value is None:
                return self._pb.CacheTouchResponse(touched=False)
            self._cache.store[full] = (value, expires)
            return self._pb.CacheTouchResponse(touched=True)

        return self._cache._run(context, call)
