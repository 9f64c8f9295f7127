"""The README's example is true: a MemoryCache subclass that overrides set sees batch writes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from gestalt.cache import CacheEntry, MemoryCache

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_example() -> dict[str, object]:
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert code is not None
    scope: dict[str, object] = {}
    exec(compile(code.group(1), str(README), "exec"), scope)
    return scope


def test_counting_cache_counts_every_write() -> None:
    cache = _readme_example()["cache"]
    assert isinstance(cache, MemoryCache)
    cache.set("a", b"1")
    cache.set_many([CacheEntry("b", b"2"), CacheEntry("c", b"3")], timedelta(seconds=60))
    assert cache.writes == 3  # type: ignore[attr-defined]
    assert cache.get_many(["a", "b", "c", "a"]) == {"a": b"1", "b": b"2", "c": b"3"}
    assert cache.delete_many(["a", "a", "missing"]) == 1
