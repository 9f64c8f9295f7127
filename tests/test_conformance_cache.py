"""Cache providers through the real runtime and the host emulator (PROTOCOL.md 6) under a
protocol-2 and a protocol-5 host, the cache clients against them, and the emulator's host
cache service (HOST.md 6), as a protocol-2 host serves it."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from google.protobuf import duration_pb2, empty_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gestalt.cache import (
    HOST_MAX_MESSAGE_BYTES,
    AsyncCache,
    Cache,
    CacheEntry,
    CacheNotBoundError,
    MessageTooLargeError,
)
from gestalt.core import (
    GestaltError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ProviderKind,
)
from gestalt.core.serving import HOST_MAX_MESSAGE_BYTES as EMULATOR_HOST_LIMIT
from gestalt.core.testing import HostCacheService, ProviderProcess, launch
from gestalt.core.testing._host_services import RunningHostServices
from gestalt.provider.v1 import cache_pb2, cache_pb2_grpc

PROVIDERS = Path(__file__).parent / "providers"
MIB = 1024 * 1024
Code = grpc.StatusCode


def _launch(name: str, **kwargs: object) -> ProviderProcess:
    return launch(PROVIDERS / name, "cache", python=sys.executable, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module", params=["cache_memory", "cache_plain", "cache_async"])
def proc(request: pytest.FixtureRequest, protocol: int) -> Iterator[ProviderProcess]:
    process = _launch(request.param, protocol=protocol)
    try:
        yield process
    finally:
        result = process.stop(check=False)
        assert result.exit_code == 0, process.output()
        assert not result.killed, process.output()


@pytest.fixture
def stub(proc: ProviderProcess) -> Any:
    """The host's ``Cache`` client of the provider, of the host's generation."""
    return proc.cache


@pytest.fixture
def pb(proc: ProviderProcess) -> Any:
    """The ``Cache`` messages of the host's generation."""
    return proc.stubs("cache")[0]


@pytest.fixture
def key(request: pytest.FixtureRequest) -> str:
    """A key prefix of this test's own, so tests sharing a provider do not collide."""
    return f"{request.node.name}:"


def _ttl(seconds: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromTimedelta(timedelta(seconds=seconds))
    return duration


def _get(stub: Any, pb: Any, key: str) -> bytes | None:
    response = stub.Get(pb.CacheGetRequest(key=key), timeout=10)
    if not response.found:
        assert response.value == b""
        return None
    value: bytes = response.value
    return value


def _code(call: Callable[[], object]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = cast(grpc.Call, caught.value)  # a failed sync call is both RpcError and Call
    return error.code(), error.details() or ""


# -- every rpc ------------------------------------------------------------------------


def test_identity_is_cache(proc: ProviderProcess) -> None:
    assert proc.identity is not None
    assert proc.identity.kind == ProviderKind.CACHE.wire_value
    health = proc.lifecycle.HealthCheck(empty_pb2.Empty(), timeout=10)
    assert health.ready


def test_get_missing_vs_empty(stub: Any, pb: Any, key: str) -> None:
    assert _get(stub, pb, key + "absent") is None
    stub.Set(pb.CacheSetRequest(key=key + "empty", value=b""), timeout=10)
    assert _get(stub, pb, key + "empty") == b""
    stub.Set(pb.CacheSetRequest(key="", value=b"empty key"), timeout=10)
    assert _get(stub, pb, "") == b"empty key"


def test_set_overwrites(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"one"), timeout=10)
    stub.Set(pb.CacheSetRequest(key=key, value=b"two"), timeout=10)
    assert _get(stub, pb, key) == b"two"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.binary(max_size=4096), name=st.text(max_size=40))
def test_binary_values_byte_exact(stub: Any, pb: Any, value: bytes, name: str) -> None:
    stub.Set(pb.CacheSetRequest(key="bin:" + name, value=value), timeout=10)
    assert _get(stub, pb, "bin:" + name) == value
    many = stub.GetMany(pb.CacheGetManyRequest(keys=["bin:" + name]), timeout=10)
    assert [(e.key, e.found, e.value) for e in many.entries] == [("bin:" + name, True, value)]


def test_get_many_one_result_per_key_in_order(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key + "a", value=b"A"), timeout=10)
    stub.Set(pb.CacheSetRequest(key=key + "e", value=b""), timeout=10)
    keys = [key + "e", key + "missing", key + "a", key + "e", key + "a"]
    response = stub.GetMany(pb.CacheGetManyRequest(keys=keys), timeout=10)
    assert [(e.key, e.found, e.value) for e in response.entries] == [
        (key + "e", True, b""),
        (key + "missing", False, b""),
        (key + "a", True, b"A"),
        (key + "e", True, b""),
        (key + "a", True, b"A"),
    ]
    assert not stub.GetMany(pb.CacheGetManyRequest(), timeout=10).entries


def test_set_many_one_ttl(stub: Any, pb: Any, key: str) -> None:
    entries = [pb.CacheSetEntry(key=key + str(i), value=bytes([i])) for i in range(5)]
    stub.SetMany(pb.CacheSetManyRequest(entries=entries, ttl=_ttl(0.3)), timeout=10)
    stub.SetMany(pb.CacheSetManyRequest(), timeout=10)  # nothing to set is fine
    assert [_get(stub, pb, key + str(i)) for i in range(5)] == [bytes([i]) for i in range(5)]
    time.sleep(0.45)
    assert [_get(stub, pb, key + str(i)) for i in range(5)] == [None] * 5


def test_delete(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"v"), timeout=10)
    assert stub.Delete(pb.CacheDeleteRequest(key=key), timeout=10).deleted
    assert not stub.Delete(pb.CacheDeleteRequest(key=key), timeout=10).deleted
    assert _get(stub, pb, key) is None


def test_delete_expired_is_not_deleted(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"v", ttl=_ttl(0.1)), timeout=10)
    time.sleep(0.2)
    assert not stub.Delete(pb.CacheDeleteRequest(key=key), timeout=10).deleted


def test_delete_many_counts_distinct_keys(stub: Any, pb: Any, key: str) -> None:
    for name in "abc":
        stub.Set(pb.CacheSetRequest(key=key + name, value=b"v"), timeout=10)
    keys = [key + "a", key + "a", key + "b", key + "missing", key + "b"]
    response = stub.DeleteMany(pb.CacheDeleteManyRequest(keys=keys), timeout=10)
    assert response.deleted == 2
    assert _get(stub, pb, key + "c") == b"v"
    assert stub.DeleteMany(pb.CacheDeleteManyRequest(), timeout=10).deleted == 0


def test_touch(stub: Any, pb: Any, key: str) -> None:
    assert not stub.Touch(pb.CacheTouchRequest(key=key, ttl=_ttl(5)), timeout=10).touched
    stub.Set(pb.CacheSetRequest(key=key, value=b"v"), timeout=10)
    assert stub.Touch(pb.CacheTouchRequest(key=key, ttl=_ttl(0.2)), timeout=10).touched
    time.sleep(0.35)
    assert _get(stub, pb, key) is None
    assert not stub.Touch(pb.CacheTouchRequest(key=key), timeout=10).touched


@pytest.mark.parametrize("ttl", [None, duration_pb2.Duration()], ids=["absent", "zero"])
def test_touch_without_ttl_removes_expiry(
    stub: Any, pb: Any, key: str, ttl: duration_pb2.Duration | None
) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"v", ttl=_ttl(0.2)), timeout=10)
    assert stub.Touch(pb.CacheTouchRequest(key=key, ttl=ttl), timeout=10).touched
    time.sleep(0.35)
    assert _get(stub, pb, key) == b"v"


# -- TTL rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ttl",
    [
        None,
        duration_pb2.Duration(),
        _ttl(10 * 365 * 86400),
        duration_pb2.Duration(seconds=315_576_000_000),
    ],
    ids=["absent", "zero", "ten-years", "max-duration"],
)
def test_ttl_that_keeps_the_entry(
    stub: Any, pb: Any, key: str, ttl: duration_pb2.Duration | None
) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"v", ttl=ttl), timeout=10)
    time.sleep(0.05)
    assert _get(stub, pb, key) == b"v"


def test_sub_second_ttl_expires(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"v", ttl=_ttl(0.15)), timeout=10)
    assert _get(stub, pb, key) == b"v"
    time.sleep(0.3)
    assert _get(stub, pb, key) is None
    many = stub.GetMany(pb.CacheGetManyRequest(keys=[key]), timeout=10)
    assert [(e.key, e.found) for e in many.entries] == [(key, False)]


def test_set_replaces_previous_expiry(stub: Any, pb: Any, key: str) -> None:
    stub.Set(pb.CacheSetRequest(key=key, value=b"1", ttl=_ttl(0.15)), timeout=10)
    stub.Set(pb.CacheSetRequest(key=key, value=b"2"), timeout=10)
    time.sleep(0.3)
    assert _get(stub, pb, key) == b"2"


BAD_TTLS = {
    "negative": (duration_pb2.Duration(seconds=-1), "ttl must be >= 0"),
    "negative-nanos": (duration_pb2.Duration(nanos=-5), "ttl must be >= 0"),
    "nanos-too-big": (duration_pb2.Duration(seconds=1, nanos=1_000_000_000), "nanos"),
    "mixed-signs": (duration_pb2.Duration(seconds=1, nanos=-1), "nanos"),
    "beyond-duration": (duration_pb2.Duration(seconds=315_576_000_001), "at most"),
}


@pytest.mark.parametrize("case", list(BAD_TTLS))
def test_invalid_ttl(stub: Any, pb: Any, key: str, case: str) -> None:
    ttl, text = BAD_TTLS[case]
    entry = pb.CacheSetEntry(key=key, value=b"v")
    calls = [
        lambda: stub.Set(pb.CacheSetRequest(key=key, value=b"v", ttl=ttl), timeout=10),
        lambda: stub.SetMany(pb.CacheSetManyRequest(entries=[entry], ttl=ttl), timeout=10),
        lambda: stub.Touch(pb.CacheTouchRequest(key=key, ttl=ttl), timeout=10),
    ]
    for call in calls:
        code, details = _code(call)
        assert code == Code.INVALID_ARGUMENT
        assert text in details
    assert _get(stub, pb, key) is None


# -- concurrency and errors ---------------------------------------------------------------


def test_64_concurrent_calls(stub: Any, pb: Any, key: str) -> None:
    def one(i: int) -> bytes | None:
        stub.Set(pb.CacheSetRequest(key=f"{key}{i}", value=str(i).encode()), timeout=10)
        return _get(stub, pb, f"{key}{i}")

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(one, range(64)))
    assert results == [str(i).encode() for i in range(64)]
    keys = [f"{key}{i}" for i in range(64)]
    assert stub.DeleteMany(pb.CacheDeleteManyRequest(keys=keys), timeout=10).deleted == 64


def test_crashing_method_is_unknown_and_server_keeps_serving(
    proc: ProviderProcess, stub: Any, pb: Any, key: str
) -> None:
    code, details = _code(lambda: stub.Get(pb.CacheGetRequest(key="boom"), timeout=10))
    assert (code, details) == (Code.UNKNOWN, "cache get: internal error")
    code, details = _code(
        lambda: stub.GetMany(pb.CacheGetManyRequest(keys=["x", "boom"]), timeout=10)
    )
    assert (code, details) == (Code.UNKNOWN, "cache get many: internal error")
    assert "secret detail 42" in proc.output()  # the traceback goes to stderr only
    stub.Set(pb.CacheSetRequest(key=key, value=b"still here"), timeout=10)
    assert _get(stub, pb, key) == b"still here"


def test_gestalt_error_keeps_its_code(stub: Any, pb: Any) -> None:
    code, details = _code(lambda: stub.Get(pb.CacheGetRequest(key="denied"), timeout=10))
    assert (code, details) == (Code.PERMISSION_DENIED, "denied by test")


# -- served as it is, and before configure ----------------------------------------------


def test_memory_cache_served_as_is_with_config(protocol: int) -> None:
    with _launch(
        "cache_memory",
        target="gestalt.cache:MemoryCache",
        config={"max_entries": 2},
        protocol=protocol,
    ) as proc:
        stub, pb = proc.cache, proc.stubs("cache")[0]
        for name in "abc":
            stub.Set(pb.CacheSetRequest(key=name, value=name.encode()), timeout=10)
        response = stub.GetMany(pb.CacheGetManyRequest(keys=list("abc")), timeout=10)
        assert [e.found for e in response.entries] == [False, True, True]  # LRU "a" evicted


def test_used_before_configure_is_failed_precondition(protocol: int) -> None:
    with _launch("cache_memory", start=False, protocol=protocol) as proc:
        stub, pb = proc.cache, proc.stubs("cache")[0]
        deadline = time.monotonic() + 10
        while True:  # the socket exists; the server may still be starting
            code, details = _code(lambda: stub.Get(pb.CacheGetRequest(key="k"), timeout=10))
            if code != Code.UNAVAILABLE or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert code == Code.FAILED_PRECONDITION
        assert "before ConfigureProvider" in details
        proc.lifecycle.ConfigureProvider(
            proc.stubs("runtime")[0].ConfigureProviderRequest(
                name="late", protocol_version=protocol
            ),
            timeout=10,
        )
        stub.Set(pb.CacheSetRequest(key="k", value=b"v"), timeout=10)
        assert _get(stub, pb, "k") == b"v"


# -- the clients against a served provider ---------------------------------------------


def test_sync_client(proc: ProviderProcess, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_CACHE_SOCKET", proc.socket_path)
    with Cache.connect(timeout=10) as cache:
        assert cache.get(key + "a") is None
        cache.set(key + "a", b"A")
        cache.set(key + "e", b"", ttl=timedelta(hours=1))
        assert cache.get(key + "e") == b""
        assert cache.get_many([key + "a", key + "x", key + "e"]) == {
            key + "a": b"A",
            key + "e": b"",
        }
        cache.set_many({key + "m1": b"1", key + "m2": b"2"}, ttl=60)
        cache.set_many([CacheEntry(key + "m3", b"3"), (key + "m4", b"4")])
        assert cache.get_many([key + f"m{i}" for i in range(1, 5)]) == {
            key + f"m{i}": str(i).encode() for i in range(1, 5)
        }
        assert cache.touch(key + "a", 0.15)
        time.sleep(0.3)
        assert cache.get(key + "a") is None
        assert not cache.touch(key + "a")
        assert cache.delete(key + "e")
        assert not cache.delete(key + "e")
        assert cache.delete_many([key + "m1", key + "m1", key + "m2", key + "zz"]) == 2
        with pytest.raises(InvalidArgumentError, match="ttl must be >= 0"):
            cache.set(key, b"v", ttl=-1)
        with pytest.raises(PermissionDeniedError, match="denied by test"):
            cache.get("denied")
        with pytest.raises(GestaltError, match="cache get: internal error") as caught:
            cache.get("boom")
        assert caught.value.grpc_code == Code.UNKNOWN
        with pytest.raises(GestaltError) as caught:
            cache.get("slow", timeout=0.2)
        assert caught.value.grpc_code == Code.DEADLINE_EXCEEDED


def test_async_client(proc: ProviderProcess, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_CACHE_SOCKET_PRIMARY_1", proc.socket_path)

    async def scenario() -> None:
        async with AsyncCache.connect("primary-1", timeout=10) as cache:
            assert await cache.get(key) is None
            await cache.set(key, b"\x00\xff", ttl=timedelta(minutes=5))
            assert await cache.get(key) == b"\x00\xff"
            await cache.set_many({f"{key}{i}": bytes([i]) for i in range(64)})
            values = await asyncio.gather(*(cache.get(f"{key}{i}") for i in range(64)))
            assert values == [bytes([i]) for i in range(64)]
            assert await cache.get_many([key, key + "nope"]) == {key: b"\x00\xff"}
            assert await cache.touch(key)
            assert await cache.delete(key)
            assert await cache.delete_many([f"{key}{i}" for i in range(64)] * 2) == 64
            with pytest.raises(PermissionDeniedError):
                await cache.get("denied")

    asyncio.run(scenario())


def test_value_the_host_could_not_read_back_is_refused(proc: ProviderProcess, key: str) -> None:
    """An 8 MiB value would be stored, but no Get reply could carry it to the host (4 MiB):
    refused at Set and SetMany, nothing stored, the message bounded and naming the limit."""
    value = os.urandom(8 * MIB)
    long_key = key + "k" * (8 * MIB)
    with Cache(socket=proc.socket_path, timeout=30, max_message_bytes=None) as cache:
        attempts: list[Callable[[], None]] = [
            lambda: cache.set(key, value),
            lambda: cache.set(long_key, value),
            lambda: cache.set_many([CacheEntry(key + "small", b"x"), CacheEntry(key, value)]),
        ]
        for attempt in attempts:
            with pytest.raises(GestaltError) as caught:
                attempt()
            assert caught.value.grpc_code == Code.RESOURCE_EXHAUSTED
            assert "4194304-byte message limit" in caught.value.message
            assert len(caught.value.message) < 1024
        assert cache.get_many([key, key + "small"]) == {}  # a refused batch stores nothing
        cache.set(key, bytes(3 * MIB))  # what fits goes through
        assert cache.get(key) == bytes(3 * MIB)
        assert cache.delete(key)


def test_client_fails_early_over_the_host_limit(proc: ProviderProcess, key: str) -> None:
    with Cache(socket=proc.socket_path, timeout=10) as cache:
        assert cache.max_message_bytes == HOST_MAX_MESSAGE_BYTES == EMULATOR_HOST_LIMIT
        with pytest.raises(MessageTooLargeError, match=r"4194304-byte limit") as caught:
            cache.set(key, bytes(HOST_MAX_MESSAGE_BYTES))
        assert caught.value.limit == HOST_MAX_MESSAGE_BYTES
        assert caught.value.grpc_code == Code.INVALID_ARGUMENT
        with pytest.raises(MessageTooLargeError):
            cache.set_many({f"{key}{i}": bytes(MIB) for i in range(5)})
        assert cache.get(key) is None  # nothing was sent
        cache.set(key, bytes(3 * MIB))  # under the limit goes through
        assert cache.get(key) == bytes(3 * MIB)


def test_client_without_binding_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GESTALT_CACHE_SOCKET_SESSIONS", raising=False)
    with pytest.raises(CacheNotBoundError, match="GESTALT_CACHE_SOCKET_SESSIONS") as caught:
        Cache.connect("sessions")
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.variable == "GESTALT_CACHE_SOCKET_SESSIONS"


# -- the emulator's host cache service ----------------------------------------------------


@pytest.fixture(scope="module")
def host_cache() -> Iterator[tuple[HostCacheService, str]]:
    service = HostCacheService(plugin_name="myplugin")
    directory = tempfile.mkdtemp(prefix="g")
    path = os.path.join(directory, "host.sock")
    server = grpc.server(
        ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_receive_message_length", EMULATOR_HOST_LIMIT)],
    )
    service.add_to_server(server)
    server.add_insecure_port(f"unix:{path}")
    server.start()
    try:
        yield service, path
    finally:
        server.stop(None)
        os.unlink(path) if os.path.exists(path) else None
        os.rmdir(directory)


def test_host_cache_prefixes_keys(host_cache: tuple[HostCacheService, str]) -> None:
    service, path = host_cache
    with Cache(socket=path, timeout=10) as cache:
        cache.set("greeting", b"hello")
        cache.set("empty", b"", ttl=60)
        assert service.values()["myplugin:greeting"] == b"hello"
        assert "greeting" not in service.values()
        assert cache.get("greeting") == b"hello"
        assert cache.get("empty") == b""
        assert cache.get_many(["greeting", "nope", "greeting"]) == {"greeting": b"hello"}
        expires = service.expires_in("empty")
        assert expires is not None
        assert 0 < expires <= 60
        assert cache.touch("empty")
        assert service.expires_in("empty") is None
        assert cache.delete_many(["greeting", "greeting", "empty", "nope"]) == 2
        assert not cache.delete("greeting")


def test_host_cache_semantics_on_the_wire(host_cache: tuple[HostCacheService, str]) -> None:
    _, path = host_cache
    with grpc.insecure_channel(f"unix:{path}") as channel:
        stub = cache_pb2_grpc.CacheStub(channel)
        stub.Set(cache_pb2.CacheSetRequest(key="a", value=b"A"), timeout=10)
        many = stub.GetMany(cache_pb2.CacheGetManyRequest(keys=["a", "b", "a"]), timeout=10)
        assert [(e.key, e.found, e.value) for e in many.entries] == [
            ("a", True, b"A"),
            ("b", False, b""),
            ("a", True, b"A"),
        ]
        request = cache_pb2.CacheSetRequest(
            key="a", value=b"A", ttl=duration_pb2.Duration(seconds=-1)
        )
        code, details = _code(lambda: stub.Set(request, timeout=10))
        assert (code, details) == (Code.INVALID_ARGUMENT, "ttl must be >= 0")
        stub.Set(cache_pb2.CacheSetRequest(key="t", value=b"v", ttl=_ttl(0.1)), timeout=10)
        time.sleep(0.2)
        assert _get(stub, cache_pb2, "t") is None


def test_host_cache_keeps_the_4_mib_limit(host_cache: tuple[HostCacheService, str]) -> None:
    _, path = host_cache
    with Cache(socket=path, timeout=10, max_message_bytes=None) as unchecked:
        with pytest.raises(GestaltError) as caught:
            unchecked.set("big", bytes(5 * MIB))
        assert caught.value.grpc_code == Code.RESOURCE_EXHAUSTED  # the transport error
    with Cache(socket=path, timeout=10) as cache, pytest.raises(MessageTooLargeError):
        cache.set("big", bytes(5 * MIB))  # the early, clear one


def test_host_cache_bindings_publish_the_host_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    # The emulator's own host-service runner, without an integration provider to launch.
    directory = Path(tempfile.mkdtemp(prefix="g"))
    sessions = HostCacheService("sessions")
    running = RunningHostServices([sessions], directory, "counter")
    try:
        assert set(running.env) == {"GESTALT_CACHE_SOCKET_SESSIONS", "GESTALT_CACHE_SOCKET"}
        assert running.env["GESTALT_CACHE_SOCKET"] != running.env["GESTALT_CACHE_SOCKET_SESSIONS"]
        for variable, path in running.env.items():
            monkeypatch.setenv(variable, path)
        with Cache.connect("sessions", timeout=10) as named, Cache.connect(timeout=10) as alias:
            named.set("k", b"v")
            assert alias.get("k") == b"v"  # the alias serves the same backend
        assert sessions.values() == {"counter:k": b"v"}
    finally:
        running.stop()
    two = [HostCacheService("a"), HostCacheService("b-2")]
    running = RunningHostServices(two, directory, "counter")
    try:
        assert set(running.env) == {"GESTALT_CACHE_SOCKET_A", "GESTALT_CACHE_SOCKET_B_2"}
    finally:
        running.stop()
        for leftover in directory.iterdir():
            leftover.unlink()
        directory.rmdir()


def test_not_found_error_class_is_shared() -> None:
    # Clients raise core's classes, so one except clause serves every surface.
    assert issubclass(MessageTooLargeError, InvalidArgumentError)
    assert not issubclass(CacheNotBoundError, NotFoundError)
