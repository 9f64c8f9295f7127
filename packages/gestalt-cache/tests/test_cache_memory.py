"""MemoryCache semantics: TTLs on an injected clock, LRU eviction, batches, threads."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gestalt.cache import CacheEntry, InvalidArgumentError, MemoryCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_missing_vs_empty() -> None:
    cache = MemoryCache()
    assert cache.get("k") is None
    cache.set("k", b"")
    assert cache.get("k") == b""


def test_ttl_expiry_and_touch(clock: Clock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("k", b"v", timedelta(milliseconds=500))
    clock.now += 0.499
    assert cache.get("k") == b"v"
    clock.now += 0.001
    assert cache.get("k") is None
    assert not cache.touch("k", None)
    cache.set("k", b"v", timedelta(seconds=1))
    assert cache.touch("k", None)  # removes the expiry
    clock.now += 10**6
    assert cache.get("k") == b"v"
    assert cache.touch("k", timedelta(seconds=2))
    clock.now += 2
    assert not cache.delete("k")


def test_set_replaces_expiry_and_zero_means_none(clock: Clock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set("k", b"1", timedelta(seconds=1))
    cache.set("k", b"2", timedelta(0))
    clock.now += 5
    assert cache.get("k") == b"2"
    with pytest.raises(InvalidArgumentError, match="ttl must be >= 0"):
        cache.set("k", b"3", timedelta(seconds=-1))
    assert cache.get("k") == b"2"


def test_batches(clock: Clock) -> None:
    cache = MemoryCache(clock=clock)
    cache.set_many([CacheEntry("a", b"A"), CacheEntry("b", b"")], timedelta(seconds=1))
    assert cache.get_many(["a", "x", "b", "a"]) == {"a": b"A", "b": b""}
    assert cache.delete_many(["a", "a", "x"]) == 1
    clock.now += 1
    assert cache.get_many(["b"]) == {}
    assert cache.delete_many(["b"]) == 0


def test_lru_eviction_by_entries() -> None:
    cache = MemoryCache(max_entries=3)
    for key in "abc":
        cache.set(key, b"v")
    assert cache.get("a") == b"v"  # "a" is now the most recently used
    cache.set("d", b"v")
    assert cache.get("b") is None
    assert {k for k in "acd" if cache.get(k) is not None} == set("acd")
    assert len(cache) == 3


def test_eviction_by_bytes_counts_keys_and_values() -> None:
    cache = MemoryCache(max_bytes=10)
    cache.set("a", b"1234")  # 5 bytes
    cache.set("b", b"1234")  # 10 bytes in all
    assert cache.size_bytes == 10
    cache.set("c", b"1")  # 12 > 10: evicts "a"
    assert cache.get("a") is None
    assert cache.size_bytes == 7
    with pytest.raises(InvalidArgumentError, match="max_bytes"):
        cache.set("b", b"x" * 20)
    assert cache.get("b") == b"1234"  # a refused write keeps the old value


def test_expired_entries_go_before_live_ones(clock: Clock) -> None:
    cache = MemoryCache(max_entries=2, clock=clock)
    cache.set("live", b"v")
    cache.set("short", b"v", timedelta(seconds=1))
    clock.now += 2
    cache.set("new", b"v")
    assert cache.get("live") == b"v"
    assert cache.get("new") == b"v"


def test_configure_overrides_bounds() -> None:
    cache = MemoryCache()
    for key in "abc":
        cache.set(key, b"v")
    cache.configure("x", {"max_entries": 2.0, "max_bytes": 1000})
    assert (cache.max_entries, cache.max_bytes, len(cache)) == (2, 1000, 2)
    with pytest.raises(InvalidArgumentError, match="max_entries"):
        cache.configure("x", {"max_entries": 0})
    with pytest.raises(InvalidArgumentError):
        MemoryCache(max_bytes=True)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.binary(max_size=256), max_size=20))
def test_binary_values_byte_exact(values: dict[str, bytes]) -> None:
    cache = MemoryCache()
    cache.set_many([CacheEntry(k, v) for k, v in values.items()])
    assert cache.get_many(list(values)) == values
    for key, value in values.items():
        assert cache.get(key) == value
    assert cache.size_bytes == sum(
        len(k.encode("utf-8", "surrogatepass")) + len(v) for k, v in values.items()
    )


def test_thread_safety() -> None:
    cache = MemoryCache(max_entries=50)

    def work(n: int) -> None:
        for i in range(500):
            key = f"{n}:{i % 80}"
            cache.set(key, b"x" * (i % 7))
            cache.get(key)
            cache.touch(key, timedelta(seconds=1))
            if i % 5 == 0:
                cache.delete_many([key, key])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) <= 50
    assert cache.size_bytes == sum(
        len(k) + len(v)
        for k, v in cache.get_many([f"{n}:{i}" for n in range(8) for i in range(80)]).items()
    )
