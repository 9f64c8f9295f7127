"""Clients for the cache the host binds to an integration provider.

A protocol-2 gestaltd serves ``Cache`` on a Unix socket per binding and publishes the
path in ``GESTALT_CACHE_SOCKET_<NAME>``, plus ``GESTALT_CACHE_SOCKET`` when there is
exactly one binding. A protocol-5 gestaltd serves every binding on the one endpoint in
``GESTALT_HOST_SERVICE_SOCKET`` and tells them apart by the binding name each call
carries. The same client code works on both; :func:`gestalt.core.serving.host_endpoint`
decides which from the environment. :class:`Cache` blocks (for ``def`` handlers);
:class:`AsyncCache` is its ``grpc.aio`` twin (for ``async def`` handlers). Each keeps one
channel for its lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import grpc
from google.protobuf import message

from gestalt.cache._provider import CacheEntry
from gestalt.cache._ttl import ttl_to_wire
from gestalt.core import InvalidArgumentError, NotBoundError
from gestalt.core._wire import stubs
from gestalt.core.serving import (
    HOST_MAX_MESSAGE_BYTES,
    error_from_rpc,
    host_channel,
    host_endpoint,
    host_socket_env,
)

if TYPE_CHECKING:  # the request types, for checking; the same fields on both protocols
    from gestalt.provider.v1 import cache_pb2

_M = TypeVar("_M", bound=message.Message)

TTL = timedelta | float | None
Entries = Mapping[str, bytes] | Iterable[CacheEntry | tuple[str, bytes]]


class CacheNotBoundError(NotBoundError):
    """No cache is bound to this provider under the name asked for.

    Attributes:
        variable: The environment variable that was not set.
    """

    service = "cache"


class MessageTooLargeError(InvalidArgumentError):
    """A request would exceed the receiving server's message limit; nothing was sent.

    Attributes:
        size: The serialized request size in bytes.
        limit: The client's ``max_message_bytes``.
    """

    def __init__(self, rpc: str, size: int, limit: int) -> None:
        super().__init__(
            f"cache {rpc} request is {size} bytes, over the {limit}-byte limit "
            f"(max_message_bytes; gestaltd's host cache accepts at most "
            f"{HOST_MAX_MESSAGE_BYTES} bytes = 4 MiB per request): store smaller values "
            "or split the batch"
        )
        self.size = size
        self.limit = limit


def cache_socket_env(name: str | None = None) -> str:
    """The variable holding the socket of cache binding ``name`` (the host's rule).

    ASCII letters are upper-cased, ASCII digits kept, every other character becomes
    ``_``; a blank or ``None`` name gives the unsuffixed ``GESTALT_CACHE_SOCKET``.
    """
    return host_socket_env("cache", name)


def _entries(entries: Entries, messages: ModuleType) -> list[cache_pb2.CacheSetEntry]:
    items: Iterable[Any] = entries.items() if isinstance(entries, Mapping) else entries
    out = []
    for item in items:
        key, value = (item.key, item.value) if isinstance(item, CacheEntry) else item
        out.append(messages.CacheSetEntry(key=key, value=bytes(value)))
    return out


def _with_ttl(request: _M, ttl: TTL) -> _M:
    duration = ttl_to_wire(ttl)
    if duration is not None:
        request.ttl.CopyFrom(duration)  # type: ignore[attr-defined]
    return request


def _found(response: cache_pb2.CacheGetManyResponse) -> dict[str, bytes]:
    return {entry.key: entry.value for entry in response.entries if entry.found}


class _Base:
    """What both clients share: the binding, the size check, the deadline; only the
    channel (blocking or ``grpc.aio``) and the waiting differ.

    Attributes:
        protocol: The host's generation (2 or 5), whose stubs the client uses.
        socket: The binding's socket path (2) or the host's one endpoint (5).
    """

    _aio = False

    def __init__(
        self,
        name: str | None = None,
        *,
        socket: str | None = None,
        timeout: float | None = None,
        max_message_bytes: int | None = HOST_MAX_MESSAGE_BYTES,
    ) -> None:
        if max_message_bytes is not None and max_message_bytes <= 0:
            raise ValueError("max_message_bytes must be positive (or None for no check)")
        endpoint = host_endpoint("cache", name, socket, CacheNotBoundError)
        self.name = name
        self.protocol = endpoint.protocol
        self.socket = endpoint.address
        self.timeout = timeout
        self.max_message_bytes = max_message_bytes
        self._pb, services = stubs(endpoint.protocol, "cache")
        self._channel = host_channel(endpoint, aio=self._aio)
        self._stub = services.CacheStub(self._channel)

    @classmethod
    def connect(
        cls,
        name: str | None = None,
        *,
        socket: str | None = None,
        timeout: float | None = None,
        max_message_bytes: int | None = HOST_MAX_MESSAGE_BYTES,
    ) -> Self:
        """A client for binding ``name`` (see :class:`Cache` for the arguments)."""
        return cls(name, socket=socket, timeout=timeout, max_message_bytes=max_message_bytes)

    def _checked(self, rpc: str, request: _M) -> _M:
        limit = self.max_message_bytes
        if limit is not None:
            size = request.ByteSize()
            if size > limit:
                raise MessageTooLargeError(rpc, size, limit)
        return request

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, socket={self.socket!r})"


class Cache(_Base):
    """A blocking client for a host-bound cache; ``Cache.connect(name)`` is the usual way in.

    Make one per provider (at start-up or on first use) and reuse it: it holds one
    channel, safe to share between threads. Failed calls raise the matching
    :class:`~gestalt.core.GestaltError` subclass.

    On a protocol-5 host (``GESTALT_HOST_SERVICE_SOCKET`` set) every call goes to that one
    endpoint with ``x-gestalt-host-binding: <name>`` (when ``name`` is given) and the relay
    token ``GESTALT_HOST_SERVICE_TOKEN`` (when set); with one cache binding the host
    ignores the name. On a protocol-2 host the binding's own socket variable is used.

    Args:
        name: The binding name; ``None`` for the single unnamed binding.
        socket: A protocol-2 binding socket path to use instead of the environment.
        timeout: Default deadline in seconds for every call (``None``: no deadline).
        max_message_bytes: Requests larger than this fail early with
            :class:`MessageTooLargeError`; the default is the host's 4 MiB receive limit.
            ``None`` disables the check (for servers with a larger limit).

    Raises:
        CacheNotBoundError: Protocol 2, and the binding's variable is not set.
        HostServiceAddressError: Protocol 5, and ``GESTALT_HOST_SERVICE_SOCKET`` is empty
            or not a path, ``unix://``, ``tcp://`` or ``tls://`` address.
    """

    def _call(self, rpc: str, method: Any, request: message.Message, timeout: float | None) -> Any:
        self._checked(rpc, request)
        try:
            return method(request, timeout=self._timeout(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error

    def get(self, key: str, *, timeout: float | None = None) -> bytes | None:
        """The value of ``key``, or ``None`` when missing or expired (``b""`` is a value)."""
        response = self._call("get", self._stub.Get, self._pb.CacheGetRequest(key=key), timeout)
        return bytes(response.value) if response.found else None

    def get_many(self, keys: Iterable[str], *, timeout: float | None = None) -> dict[str, bytes]:
        """The values among ``keys`` that exist; missing keys are left out."""
        request = self._pb.CacheGetManyRequest(keys=list(keys))
        return _found(self._call("get_many", self._stub.GetMany, request, timeout))

    def set(self, key: str, value: bytes, ttl: TTL = None, *, timeout: float | None = None) -> None:
        """Store ``value``; ``ttl`` (a timedelta or seconds) replaces any previous expiry.

        ``None`` or zero means no expiry; a negative TTL raises ``InvalidArgumentError``.
        """
        request = _with_ttl(self._pb.CacheSetRequest(key=key, value=bytes(value)), ttl)
        self._call("set", self._stub.Set, request, timeout)

    def set_many(self, entries: Entries, ttl: TTL = None, *, timeout: float | None = None) -> None:
        """Store several entries (a mapping, ``CacheEntry`` items or pairs) with one TTL."""
        request = _with_ttl(self._pb.CacheSetManyRequest(entries=_entries(entries, self._pb)), ttl)
        self._call("set_many", self._stub.SetMany, request, timeout)

    def delete(self, key: str, *, timeout: float | None = None) -> bool:
        """Remove ``key``; ``True`` when a live entry was removed."""
        request = self._pb.CacheDeleteRequest(key=key)
        return bool(self._call("delete", self._stub.Delete, request, timeout).deleted)

    def delete_many(self, keys: Iterable[str], *, timeout: float | None = None) -> int:
        """Remove ``keys``; the number of distinct keys removed."""
        request = self._pb.CacheDeleteManyRequest(keys=list(keys))
        return int(self._call("delete_many", self._stub.DeleteMany, request, timeout).deleted)

    def touch(self, key: str, ttl: TTL = None, *, timeout: float | None = None) -> bool:
        """Set a live key's expiry to now + ``ttl``; ``None`` or zero removes its expiry."""
        request = _with_ttl(self._pb.CacheTouchRequest(key=key), ttl)
        return bool(self._call("touch", self._stub.Touch, request, timeout).touched)

    def close(self) -> None:
        """Close the channel; later calls fail."""
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


class AsyncCache(_Base):
    """The ``grpc.aio`` twin of :class:`Cache`, for ``async def`` code.

    Make it inside the event loop that will use it (a ``grpc.aio`` channel belongs to
    one loop). Arguments and errors are those of :class:`Cache`.
    """

    _aio = True

    async def _call(
        self, rpc: str, method: Any, request: message.Message, timeout: float | None
    ) -> Any:
        self._checked(rpc, request)
        try:
            return await method(request, timeout=self._timeout(timeout))
        except grpc.RpcError as error:
            raise error_from_rpc(error) from error

    async def get(self, key: str, *, timeout: float | None = None) -> bytes | None:
        """The value of ``key``, or ``None`` when missing or expired (``b""`` is a value)."""
        request = self._pb.CacheGetRequest(key=key)
        response = await self._call("get", self._stub.Get, request, timeout)
        return bytes(response.value) if response.found else None

    async def get_many(
        self, keys: Iterable[str], *, timeout: float | None = None
    ) -> dict[str, bytes]:
        """The values among ``keys`` that exist; missing keys are left out."""
        request = self._pb.CacheGetManyRequest(keys=list(keys))
        return _found(await self._call("get_many", self._stub.GetMany, request, timeout))

    async def set(
        self, key: str, value: bytes, ttl: TTL = None, *, timeout: float | None = None
    ) -> None:
        """Store ``value``; ``ttl`` (a timedelta or seconds) replaces any previous expiry."""
        request = _with_ttl(self._pb.CacheSetRequest(key=key, value=bytes(value)), ttl)
        await self._call("set", self._stub.Set, request, timeout)

    async def set_many(
        self, entries: Entries, ttl: TTL = None, *, timeout: float | None = None
    ) -> None:
        """Store several entries (a mapping, ``CacheEntry`` items or pairs) with one TTL."""
        request = _with_ttl(self._pb.CacheSetManyRequest(entries=_entries(entries, self._pb)), ttl)
        await self._call("set_many", self._stub.SetMany, request, timeout)

    async def delete(self, key: str, *, timeout: float | None = None) -> bool:
        """Remove ``key``; ``True`` when a live entry was removed."""
        request = self._pb.CacheDeleteRequest(key=key)
        return bool((await self._call("delete", self._stub.Delete, request, timeout)).deleted)

    async def delete_many(self, keys: Iterable[str], *, timeout: float | None = None) -> int:
        """Remove ``keys``; the number of distinct keys removed."""
        request = self._pb.CacheDeleteManyRequest(keys=list(keys))
        response = await self._call("delete_many", self._stub.DeleteMany, request, timeout)
        return int(response.deleted)

    async def touch(self, key: str, ttl: TTL = None, *, timeout: float | None = None) -> bool:
        """Set a live key's expiry to now + ``ttl``; ``None`` or zero removes its expiry."""
        request = _with_ttl(self._pb.CacheTouchRequest(key=key), ttl)
        return bool((await self._call("touch", self._stub.Touch, request, timeout)).touched)

    async def close(self) -> None:
        """Close the channel; later calls fail."""
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()
