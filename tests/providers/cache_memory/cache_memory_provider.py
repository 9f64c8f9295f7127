"""The ready MemoryCache, served as it is apart from two keys that fail on purpose."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from gestalt.cache import MemoryCache
from gestalt.core import PermissionDeniedError


class FlakyMemoryCache(MemoryCache):
    """``get("boom")`` crashes; ``get("denied")`` fails with PERMISSION_DENIED."""

    def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        if "boom" in keys:
            raise RuntimeError("secret detail 42")
        return super().get_many(keys)

    def get(self, key: str) -> bytes | None:
        if key == "boom":
            raise RuntimeError("secret detail 42")
        if key == "denied":
            raise PermissionDeniedError("denied by test")
        if key == "slow":
            time.sleep(1)
        return super().get(key)


cache = FlakyMemoryCache(max_entries=1000)
