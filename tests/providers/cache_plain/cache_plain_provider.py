"""A blocking provider with only the four single-key methods (batch forms inherited)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from gestalt.cache import CacheProvider
from gestalt.core import PermissionDeniedError


class PlainCache(CacheProvider):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[bytes, float | None]] = {}

    def _live(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None or (item[1] is not None and item[1] <= time.monotonic()):
            self._data.pop(key, None)
            return None
        return item[0]

    def get(self, key: str) -> bytes | None:
        if key == "boom":
            raise RuntimeError("secret detail 42")
        if key == "denied":
            raise PermissionDeniedError("denied by test")
        if key == "slow":
            time.sleep(1)
        with self._lock:
            return self._live(key)

    def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        expires = time.monotonic() + ttl.total_seconds() if ttl else None
        with self._lock:
            self._data[key] = (value, expires)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._live(key) is not None and self._data.pop(key, None) is not None

    def touch(self, key: str, ttl: timedelta | None) -> bool:
        with self._lock:
            value = self._live(key)
            if value is None:
                return False
            self._data[key] = (value, time.monotonic() + ttl.total_seconds() if ttl else None)
            return True


cache = PlainCache()
