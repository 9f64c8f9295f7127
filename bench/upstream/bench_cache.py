"""The benchmark's cache provider in gestalt-sdk 0.0.1a8's API (upstream)."""

import threading
import time

from gestalt import CacheProvider


class MemoryCache(CacheProvider):
    def __init__(self):
        self._lock = threading.Lock()  # a8 runs handlers on 4 worker threads
        self._data = {}  # key -> (value, expires_at | None)

    def _alive(self, key):
        item = self._data.get(key)
        if item and item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    def get(self, key):
        if key.startswith("slow/"):  # a slow handler: blocks its thread 50 ms, finds nothing
            time.sleep(0.05)
            return None
        with self._lock:
            item = self._alive(key)
            return item[0] if item else None

    def set(self, key, value, ttl=None):
        expires = time.monotonic() + ttl.total_seconds() if ttl else None
        with self._lock:
            self._data[key] = (bytes(value), expires)

    def delete(self, key):
        with self._lock:
            return self._data.pop(key, None) is not None

    def touch(self, key, ttl):
        with self._lock:
            item = self._alive(key)
            if item is None:
                return False
            self._data[key] = (item[0], time.monotonic() + ttl.total_seconds())
            return True


cache = MemoryCache()
