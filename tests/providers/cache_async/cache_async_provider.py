"""An ``async def`` provider without a base class and without batch methods."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from gestalt.core import PermissionDeniedError


class AsyncDictCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    async def configure(self, name: str, config: dict[str, Any]) -> None:
        self.loop = asyncio.get_running_loop()  # handlers must run on this same loop

    def _live(self, key: str) -> bytes | None:
        assert asyncio.get_running_loop() is self.loop
        item = self._data.get(key)
        if item is None or (item[1] is not None and item[1] <= time.monotonic()):
            self._data.pop(key, None)
            return None
        return item[0]

    async def get(self, key: str) -> bytes | None:
        if key == "boom":
            raise RuntimeError("secret detail 42")
        if key == "denied":
            raise PermissionDeniedError("denied by test")
        if key == "slow":
            await asyncio.sleep(1)
        await asyncio.sleep(0)
        return self._live(key)

    async def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
        await asyncio.sleep(0)
        self._data[key] = (value, time.monotonic() + ttl.total_seconds() if ttl else None)

    async def delete(self, key: str) -> bool:
        return self._live(key) is not None and self._data.pop(key, None) is not None

    async def touch(self, key: str, ttl: timedelta | None) -> bool:
        value = self._live(key)
        if value is None:
            return False
        self._data[key] = (value, time.monotonic() + ttl.total_seconds() if ttl else None)
        return True


cache = AsyncDictCache()
