"""A ready in-memory cache provider: TTLs on a monotonic clock, LRU eviction, thread-safe."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from gestalt.cache._provider import CacheProvider
from gestalt.core import InvalidArgumentError, nonblocking
from gestalt.core.serving import bounded

#: Default bound on the number of live entries.
DEFAULT_MAX_ENTRIES = 100_000
#: Default bound on the stored size (keys in UTF-8 plus values), 256 MiB.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class _Item(NamedTuple):
    value: bytes
    expires: float | None  # on the cache's clock; None = no expiry
    size: int


class MemoryCache(CacheProvider):
    """An in-process cache, bounded by entry count and by bytes, evicting LRU first.

    Eviction rule: an entry's size is its key's UTF-8 length plus its value's length.
    After every write, while the cache holds more than ``max_entries`` entries or more
    than ``max_bytes`` bytes, expired entries are dropped first, then the least recently
    used live entries (a ``get``, ``set`` or successful ``touch`` counts as a use). A
    single entry larger than ``max_bytes`` is refused with ``INVALID_ARGUMENT`` and the
    key keeps its old value.

    TTLs run on ``time.monotonic`` (wall-clock jumps do not expire entries). Expired
    entries behave as missing everywhere and are removed when next looked at or when
    the cache needs room. Its methods never wait on I/O, so they are marked
    :func:`~gestalt.core.nonblocking` and run on the runtime's loop without a thread hop;
    every method still holds one lock, since a subclass's unmarked override runs in the
    thread pool. The batch methods are the base class's loops over ``get``, ``set`` and
    ``delete``, so a subclass that overrides those sees every key.

    Serve it as it is (``[tool.gestalt] cache = "gestalt.cache:MemoryCache"``) or
    subclass it. The provider config keys ``max_entries`` and ``max_bytes`` override the
    arguments when the host configures it.

    Args:
        max_entries: Bound on the number of entries (positive).
        max_bytes: Bound on the stored size in bytes (positive).
        clock: Seconds on a monotonic clock; replace it in tests to move time.
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = _positive("max_entries", max_entries)
        self.max_bytes = _positive("max_bytes", max_bytes)
        self._clock = clock
        # Guards _items and _bytes. Held only for dictionary work, never across I/O.
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Item] = OrderedDict()
        self._bytes = 0

    # -- hooks ----------------------------------------------------------------------------

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Take ``max_entries`` and ``max_bytes`` from the config when present."""
        with self._lock:
            self.max_entries = _positive("max_entries", config.get("max_entries", self.max_entries))
            self.max_bytes = _positive("max_bytes", config.get("max_bytes", self.max_bytes))
            self._make_room(self._clock())

    # -- inspection -----------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of stored entries, expired ones not yet removed included."""
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        """The stored size by the eviction rule's measure."""
        return self._bytes

    # -- single keys ----------------------------------------------------------------------

    @nonblocking
    def get(self, key: str) -> bytes | None:
        """The live value of ``key``, or ``None``."""
        with self._lock:
            item = self._live(key, self._clock())
            if item is None:
                return None
            self._items.move_to_end(key)
            return item.value

    @nonblocking
    def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        """Store ``value`` under ``key`` with ``ttl`` (``None``: no expiry)."""
        with self._lock:
            now = self._clock()
            self._put(key, bytes(value), _expiry(now, ttl))
            self._make_room(now)

    @nonblocking
    def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` when a live entry was removed."""
        with self._lock:
            return self._remove_live(key, self._clock())

    @nonblocking
    def touch(self, key: str, ttl: timedelta | None) -> bool:
        """Reset a live entry's expiry to now + ``ttl``; ``None`` removes the expiry."""
        with self._lock:
            now = self._clock()
            item = self._live(key, now)
            if item is None:
                return False
            self._items[key] = item._replace(expires=_expiry(now, ttl))
            self._items.move_to_end(key)
            return True

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._items.clear()
            self._bytes = 0

    # -- internals (caller holds the lock) ------------------------------------------------

    def _live(self, key: str, now: float) -> _Item | None:
        item = self._items.get(key)
        if item is not None and _expired(item, now):
            self._discard(key)
            return None
        return item

    def _remove_live(self, key: str, now: float) -> bool:
        if self._live(key, now) is None:
            return False
        self._discard(key)
        return True

    def _put(self, key: str, value: bytes, expires: float | None) -> None:
        size = len(key.encode("utf-8", "surrogatepass")) + len(value)
        if size > self.max_bytes:
            raise InvalidArgumentError(
                f"cache entry of {size} bytes exceeds this cache's max_bytes ({self.max_bytes})"
            )
        self._discard(key)
        self._items[key] = _Item(value, expires, size)
        self._bytes += size

    def _discard(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= item.size

    def _make_room(self, now: float) -> None:
        if not self._over():
            return
        expired = [k for k, it in self._items.items() if _expired(it, now)]
        for key in expired:
            self._discard(key)
        while self._over():
            self._discard(next(iter(self._items)))

    def _over(self) -> bool:
        return len(self._items) > self.max_entries or self._bytes > self.max_bytes


def _expired(item: _Item, now: float) -> bool:
    return item.expires is not None and item.expires <= now


def _expiry(now: float, ttl: timedelta | None) -> float | None:
    if ttl is None or not ttl:
        return None
    if ttl < timedelta(0):
        raise InvalidArgumentError("ttl must be >= 0")
    return now + ttl.total_seconds()


def _positive(name: str, value: object) -> int:
    # Config numbers arrive as floats (PROTOCOL.md 2.2): accept integral ones.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive integer, got {bounded(repr(value))}")
    return value
