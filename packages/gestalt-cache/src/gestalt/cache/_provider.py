"""The cache provider interface: four single-key methods, three batch forms with defaults."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any


@dataclasses.dataclass(frozen=True, slots=True)
class CacheEntry:
    """One key and value for ``set_many``.

    Attributes:
        key: The key; any string, ``""`` included.
        value: The value; opaque bytes, ``b""`` is a real value.
    """

    key: str
    value: bytes


class CacheProvider:
    """Base class for a blocking cache provider; subclassing is optional.

    Any object with ``get``, ``set``, ``delete`` and ``touch`` methods serves as a cache
    provider, whether they are ``def`` (run in the runtime's thread pool, so they may
    block) or ``async def`` (run on the event loop; see :class:`AsyncCacheProvider`).
    ``get_many``, ``set_many`` and ``delete_many`` are optional: the defaults here loop
    over the single-key methods (each distinct key once, in order), and the runtime uses
    them for providers that do not subclass. Override them when the backend can batch.

    A TTL of ``None`` means "no expiry". The runtime never passes a zero or negative
    TTL: it answers ``INVALID_ARGUMENT`` for a negative one and turns zero into ``None``.

    The optional hooks ``configure(name, config)``, ``health_check()``, ``metadata()``,
    ``warnings()`` and ``close()`` are found by name.
    """

    def get(self, key: str) -> bytes | None:
        """The live value of ``key``, or ``None`` when it is missing or expired."""
        raise NotImplementedError("CacheProvider subclasses implement get(key)")

    def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        """Create or overwrite ``key``; ``ttl`` replaces any previous expiry."""
        raise NotImplementedError("CacheProvider subclasses implement set(key, value, ttl)")

    def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` only when a live entry was removed."""
        raise NotImplementedError("CacheProvider subclasses implement delete(key)")

    def touch(self, key: str, ttl: timedelta | None) -> bool:
        """Give a live ``key`` the expiry now + ``ttl`` (``None`` removes its expiry).

        Returns:
            ``True`` when the key exists, ``False`` when it is missing or expired.
        """
        raise NotImplementedError("CacheProvider subclasses implement touch(key, ttl)")

    def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The live values among ``keys``; missing keys are left out of the mapping."""
        found: dict[str, bytes] = {}
        for key in dict.fromkeys(keys):
            value = self.get(key)
            if value is not None:
                found[key] = value
        return found

    def set_many(self, entries: Sequence[CacheEntry], ttl: timedelta | None = None) -> None:
        """Set every entry with one TTL (not atomic: a failure may leave some set)."""
        for entry in entries:
            self.set(entry.key, entry.value, ttl)

    def delete_many(self, keys: Sequence[str]) -> int:
        """Remove ``keys``; the number of distinct keys that held a live entry."""
        return sum(1 for key in dict.fromkeys(keys) if self.delete(key))

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""


class AsyncCacheProvider:
    """Base class for a cache provider written with ``async def``; subclassing is optional.

    The same contract as :class:`CacheProvider`, with every method a coroutine. The
    methods run on the runtime's one event loop, so they must not block.
    """

    async def get(self, key: str) -> bytes | None:
        """The live value of ``key``, or ``None`` when it is missing or expired."""
        raise NotImplementedError("AsyncCacheProvider subclasses implement get(key)")

    async def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        """Create or overwrite ``key``; ``ttl`` replaces any previous expiry."""
        raise NotImplementedError("AsyncCacheProvider subclasses implement set(key, value, ttl)")

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` only when a live entry was removed."""
        raise NotImplementedError("AsyncCacheProvider subclasses implement delete(key)")

    async def touch(self, key: str, ttl: timedelta | None) -> bool:
        """Give a live ``key`` the expiry now + ``ttl`` (``None`` removes its expiry)."""
        raise NotImplementedError("AsyncCacheProvider subclasses implement touch(key, ttl)")

    async def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The live values among ``keys``; missing keys are left out of the mapping."""
        found: dict[str, bytes] = {}
        for key in dict.fromkeys(keys):
            value = await self.get(key)
            if value is not None:
                found[key] = value
        return found

    async def set_many(self, entries: Sequence[CacheEntry], ttl: timedelta | None = None) -> None:
        """Set every entry with one TTL (not atomic: a failure may leave some set)."""
        for entry in entries:
            await self.set(entry.key, entry.value, ttl)

    async def delete_many(self, keys: Sequence[str]) -> int:
        """Remove ``keys``; the number of distinct keys that held a live entry."""
        removed = 0
        for key in dict.fromkeys(keys):
            removed += bool(await self.delete(key))
        return removed

    async def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""
