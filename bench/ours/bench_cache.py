"""The benchmark's cache providers on this SDK (gestalt-cache).

``cache`` is a dict behind ``async def`` methods (the fast path, like raw-aio's);
``cache_def`` is a dict behind plain ``def`` methods and a lock (run in the thread pool,
like raw-sync's and upstream's). Neither expires entries: TTLs are not benchmarked.
Keys under ``slow/`` stand for a slow backend (see ``SLOW_PREFIX``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

from gestalt.cache import AsyncCacheProvider, CacheProvider

# A Get of a key with this prefix is a slow handler: it waits 50 ms (awaiting in the
# async provider, blocking its thread in the def one) and finds nothing.
SLOW_PREFIX, SLOW_SECONDS = "slow/", 0.05


class DictCache(AsyncCacheProvider):
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}  # one event loop: no lock needed

    async def get(self, key: str) -> bytes | None:
        if key.startswith(SLOW_PREFIX):
            await asyncio.sleep(SLOW_SECONDS)
            return None
        return self._data.get(key)

    async def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        self._data[key] = value

    async def delete(self, key: str) -> bool:
        return self._data.pop(key, None) is not None

    async def touch(self, key: str, ttl: timedelta | None) -> bool:
        return key in self._data


class LockedDictCache(CacheProvider):
    def __init__(self) -> None:
        self._lock = threading.Lock()  # plain def methods run on many threads
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        if key.startswith(SLOW_PREFIX):
            time.sleep(SLOW_SECONDS)  # blocks its thread, as a call to a slow backend would
            return None
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        with self._lock:
            self._data[key] = value

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._data.pop(key, None) is not None

    def touch(self, key: str, ttl: timedelta | None) -> bool:
        with self._lock:
            return key in self._data


cache = DictCache()
cache_def = LockedDictCache()
