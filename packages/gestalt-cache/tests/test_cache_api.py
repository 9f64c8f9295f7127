"""The public surface: names, binding variables, TTL conversion, clients, import cost."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from google.protobuf import duration_pb2
from hypothesis import given
from hypothesis import strategies as st

import gestalt.cache
from gestalt.cache import (
    AsyncCacheProvider,
    Cache,
    CacheEntry,
    CacheNotBoundError,
    CacheProvider,
    InvalidArgumentError,
    cache_socket_env,
)
from gestalt.cache._surface import surface
from gestalt.cache._ttl import ttl_from_wire, ttl_to_wire
from gestalt.core import ProviderKind
from gestalt.core.serving import TargetError
from gestalt.core.testing import socket_env

# what a lazily importing __init__ itself binds, besides the public names
LAZY_MACHINERY = {"TYPE_CHECKING", "lazy_attributes"}


def test_all_is_sorted_and_complete() -> None:
    for name in gestalt.cache.__all__:
        getattr(gestalt.cache, name)  # every listed name resolves (most are imported lazily)
    public = {name for name in vars(gestalt.cache) if not name.startswith("_")} - LAZY_MACHINERY
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions
    ordered = sorted(gestalt.cache.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert gestalt.cache.__all__ == ordered
    assert set(gestalt.cache.__all__) - {"__version__"} == public


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        (None, "GESTALT_CACHE_SOCKET"),
        ("", "GESTALT_CACHE_SOCKET"),
        ("  ", "GESTALT_CACHE_SOCKET"),
        ("sessions", "GESTALT_CACHE_SOCKET_SESSIONS"),
        ("rate-limit.v2", "GESTALT_CACHE_SOCKET_RATE_LIMIT_V2"),
        ("café", "GESTALT_CACHE_SOCKET_CAF_"),
        (" padded ", "GESTALT_CACHE_SOCKET_PADDED"),
    ],
)
def test_cache_socket_env(name: str | None, variable: str) -> None:
    assert cache_socket_env(name) == variable


@given(st.text(max_size=30))
def test_cache_socket_env_matches_the_emulator(name: str) -> None:
    assert cache_socket_env(name) == socket_env("cache", name)


def test_not_bound_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GESTALT_CACHE_SOCKET", raising=False)
    with pytest.raises(CacheNotBoundError, match="GESTALT_CACHE_SOCKET is not set"):
        Cache()
    monkeypatch.setenv("GESTALT_CACHE_SOCKET_X", "/nonexistent.sock")
    with Cache.connect("x") as cache:  # connecting is lazy; no call is made
        assert cache.socket == "/nonexistent.sock"
    with pytest.raises(ValueError, match="max_message_bytes"):
        Cache(socket="/x.sock", max_message_bytes=0)


def test_ttl_from_wire() -> None:
    assert ttl_from_wire(None) is None
    assert ttl_from_wire(duration_pb2.Duration()) is None
    assert ttl_from_wire(duration_pb2.Duration(nanos=1)) == timedelta(microseconds=1)
    assert ttl_from_wire(duration_pb2.Duration(seconds=1, nanos=500_000_000)) == timedelta(
        seconds=1.5
    )
    for bad in (
        duration_pb2.Duration(seconds=-1),
        duration_pb2.Duration(nanos=-1),
        duration_pb2.Duration(seconds=1, nanos=-1),
        duration_pb2.Duration(nanos=1_000_000_000),
        duration_pb2.Duration(seconds=2**62),
    ):
        with pytest.raises(InvalidArgumentError):
            ttl_from_wire(bad)


@given(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=10**6)))
def test_ttl_round_trip(ttl: timedelta) -> None:
    wire = ttl_to_wire(ttl)
    assert wire is not None
    assert ttl_from_wire(wire) == ttl


def test_ttl_to_wire_never_sends_zero() -> None:
    assert ttl_to_wire(None) is None
    assert ttl_to_wire(0) is None
    assert ttl_to_wire(timedelta(0)) is None
    assert ttl_to_wire(0.25) == duration_pb2.Duration(nanos=250_000_000)
    with pytest.raises(InvalidArgumentError, match="ttl must be >= 0"):
        ttl_to_wire(-0.5)


def test_surface_accepts_providers_and_names_what_is_wrong() -> None:
    assert surface.kind is ProviderKind.CACHE
    assert (
        surface.load(gestalt.cache.MemoryCache, 2).provider.__class__ is gestalt.cache.MemoryCache
    )
    with pytest.raises(TargetError, match="get, set, delete and touch"):
        surface.load(object(), 2)


def test_base_class_defaults() -> None:
    class Dict(CacheProvider):
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        def get(self, key: str) -> bytes | None:
            return self.data.get(key)

        def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
            self.data[key] = value

        def delete(self, key: str) -> bool:
            return self.data.pop(key, None) is not None

        def touch(self, key: str, ttl: timedelta | None) -> bool:
            return key in self.data

    provider = Dict()
    provider.set_many([CacheEntry("a", b"1"), CacheEntry("b", b"")])
    assert provider.get_many(["a", "b", "c"]) == {"a": b"1", "b": b""}
    assert provider.delete_many(["a", "a", "c"]) == 1


def test_async_base_class_defaults() -> None:
    import asyncio

    class Dict(AsyncCacheProvider):
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        async def get(self, key: str) -> bytes | None:
            return self.data.get(key)

        async def set(self, key: str, value: bytes, ttl: timedelta | None = None) -> None:
            self.data[key] = value

        async def delete(self, key: str) -> bool:
            return self.data.pop(key, None) is not None

    async def scenario() -> None:
        provider = Dict()
        await provider.set_many([CacheEntry("a", b"1")])
        assert await provider.get_many(["a", "z"]) == {"a": b"1"}
        assert await provider.delete_many(["a", "a"]) == 1

    asyncio.run(scenario())


def test_import_stays_light() -> None:
    code = (
        "import sys, gestalt.cache, gestalt.cache._surface\n"
        "heavy = ('pydantic', 'boto3', 'botocore', 'importlib.metadata', 'yaml',\n"
        "         'gestalt.integration', 'gestalt.s3', 'gestalt.auth', 'gestalt.secrets')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
