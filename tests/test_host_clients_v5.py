"""The cache and object-store clients on a protocol-5 host: one endpoint for every
binding (``GESTALT_HOST_SERVICE_SOCKET``), the binding and relay token in metadata.

The host here is a small real gRPC server on a Unix socket (and on loopback TCP, plain
and TLS) that routes by binding as gestaltd does and records what every call carried.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2

from gestalt.cache import AsyncCache, Cache, CacheNotBoundError
from gestalt.core import (
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    UnavailableError,
    UnimplementedError,
)
from gestalt.core.serving import HostServiceAddressError
from gestalt.core.testing import launch
from gestalt.provider.v5 import cache_pb2, cache_pb2_grpc, s3_pb2, s3_pb2_grpc
from gestalt.s3 import (
    S3,
    AsyncS3,
    ListOptions,
    ObjectRef,
    PresignMethod,
    PresignOptions,
)

BINDING = "x-gestalt-host-binding"
TOKEN = "x-gestalt-host-service-relay-token"


class FakeHost:
    """gestaltd's routing of host services: one binding is served whatever the metadata
    says; with several, the binding named in the metadata, or an error."""

    def __init__(self, bindings: dict[str, tuple[str, ...]]) -> None:
        self.bindings = bindings
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.stores: dict[tuple[str, str], dict[str, bytes]] = {
            (family, name): {} for family, names in bindings.items() for name in names
        }
        self._lock = threading.Lock()

    def store(self, family: str, method: str, context: grpc.ServicerContext) -> dict[str, bytes]:
        metadata = {key: str(value) for key, value in context.invocation_metadata()}
        with self._lock:
            self.calls.append((method, metadata))
        names = self.bindings[family]
        if len(names) == 1:
            return self.stores[(family, names[0])]
        name = metadata.get(BINDING, "")
        if not name:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{family} binding is required")
        if name not in names:
            context.abort(grpc.StatusCode.NOT_FOUND, f'{family} binding "{name}" is not available')
        return self.stores[(family, name)]


class FakeCache(cache_pb2_grpc.CacheServicer):
    def __init__(self, host: FakeHost) -> None:
        self.host = host

    def Get(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "Get", context)
        found = request.key in store
        return cache_pb2.CacheGetResponse(found=found, value=store.get(request.key, b""))

    def Set(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.host.store("cache", "Set", context)[request.key] = request.value
        return empty_pb2.Empty()

    def GetMany(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "GetMany", context)
        entries = [
            cache_pb2.CacheResult(key=key, found=key in store, value=store.get(key, b""))
            for key in request.keys
        ]
        return cache_pb2.CacheGetManyResponse(entries=entries)

    def SetMany(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "SetMany", context)
        store.update({entry.key: entry.value for entry in request.entries})
        return empty_pb2.Empty()

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "Delete", context)
        return cache_pb2.CacheDeleteResponse(deleted=store.pop(request.key, None) is not None)

    def DeleteMany(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "DeleteMany", context)
        removed = [key for key in set(request.keys) if store.pop(key, None) is not None]
        return cache_pb2.CacheDeleteManyResponse(deleted=len(removed))

    def Touch(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("cache", "Touch", context)
        return cache_pb2.CacheTouchResponse(touched=request.key in store)


def _meta(key: str, data: bytes) -> Any:
    return s3_pb2.S3ObjectMeta(ref=s3_pb2.S3ObjectRef(key=key), size=len(data), etag='"e"')


class FakeS3(s3_pb2_grpc.S3Servicer):
    def __init__(self, host: FakeHost) -> None:
        self.host = host

    def _get(self, store: dict[str, bytes], key: str, context: grpc.ServicerContext) -> bytes:
        if key not in store:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such key")
        return store[key]

    def HeadObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("s3", "HeadObject", context)
        key = request.ref.key
        return s3_pb2.HeadObjectResponse(meta=_meta(key, self._get(store, key, context)))

    def ReadObject(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        store = self.host.store("s3", "ReadObject", context)
        data = self._get(store, request.ref.key, context)
        yield s3_pb2.ReadObjectChunk(meta=_meta(request.ref.key, data))
        if data:
            yield s3_pb2.ReadObjectChunk(data=data)

    def WriteObject(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
        store = self.host.store("s3", "WriteObject", context)
        first = next(request_iterator)
        data = b"".join(frame.data for frame in request_iterator)
        store[first.open.ref.key] = data
        return s3_pb2.WriteObjectResponse(meta=_meta(first.open.ref.key, data))

    def ListObjects(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("s3", "ListObjects", context)
        keys = sorted(key for key in store if key.startswith(request.prefix))
        return s3_pb2.ListObjectsResponse(objects=[_meta(key, store[key]) for key in keys])

    def CopyObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        store = self.host.store("s3", "CopyObject", context)
        store[request.destination.key] = self._get(store, request.source.key, context)
        meta = _meta(request.destination.key, store[request.destination.key])
        return s3_pb2.CopyObjectResponse(meta=meta)

    def DeleteObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.host.store("s3", "DeleteObject", context).pop(request.ref.key, None)
        return empty_pb2.Empty()

    def PresignObject(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.host.store("s3", "PresignObject", context)  # a host without a URL manager
        context.abort(
            grpc.StatusCode.FAILED_PRECONDITION, "presign is not supported for app s3 bindings"
        )


class FakeObjectAccess(s3_pb2_grpc.S3ObjectAccessServicer):
    def __init__(self, host: FakeHost) -> None:
        self.host = host

    def CreateObjectAccessURL(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.host.store("s3", "CreateObjectAccessURL", context)
        if request.method not in (0, 1, 2, 3, 4):
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "method not allowed")
        response = s3_pb2.CreateObjectAccessURLResponse(
            url=f"https://host.example/objects/{request.ref.key}?ttl={request.expires_seconds}",
            method=request.method or s3_pb2.PRESIGN_METHOD_GET,
            headers={"X-Seen-Type": request.content_type},
        )
        response.expires_at.FromDatetime(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        return response


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Running:
    def __init__(self, host: FakeHost, folder: Path) -> None:
        self.host = host
        self.path = folder / "host.sock"
        self.tcp_port = _free_port()
        self.tls_port = _free_port()
        self.ca = _self_signed(folder)
        self.server = grpc.server(ThreadPoolExecutor(max_workers=8))
        cache_pb2_grpc.add_CacheServicer_to_server(FakeCache(host), self.server)
        s3_pb2_grpc.add_S3Servicer_to_server(FakeS3(host), self.server)
        s3_pb2_grpc.add_S3ObjectAccessServicer_to_server(FakeObjectAccess(host), self.server)
        self.server.add_insecure_port(f"unix:{self.path}")
        self.server.add_insecure_port(f"127.0.0.1:{self.tcp_port}")
        key, cert = (folder / "host.key").read_bytes(), self.ca.read_bytes()
        credentials = grpc.ssl_server_credentials([(key, cert)])
        self.server.add_secure_port(f"127.0.0.1:{self.tls_port}", credentials)
        self.server.start()


def _self_signed(folder: Path) -> Path:
    """A certificate for ``localhost``, its own root (written next to its key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl makes the TLS host's certificate")
    cert = folder / "host.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(folder / "host.key"), "-out", str(cert),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    folder = Path(tempfile.mkdtemp(prefix="g5"))
    host = FakeHost({"cache": ("sessions", "rates"), "s3": ("files",)})
    started = Running(host, folder)
    yield started
    started.server.stop(None)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def v5_env(running: Running, monkeypatch: pytest.MonkeyPatch) -> Running:
    """A protocol-5 provider's environment: the one endpoint and a relay token."""
    for name in ("GESTALT_CACHE_SOCKET", "GESTALT_S3_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", str(running.path))
    monkeypatch.setenv("GESTALT_HOST_SERVICE_TOKEN", " relay-token\n")
    running.host.calls.clear()
    return running


# -- the cache client --------------------------------------------------------------------


def test_cache_binding_routing_and_metadata(v5_env: Running) -> None:
    host = v5_env.host
    with Cache.connect("sessions", timeout=10) as sessions, Cache.connect(" rates ") as rates:
        assert sessions.protocol == 5
        sessions.set("k", b"session value")
        rates.set("k", b"rate value")
        assert sessions.get("k") == b"session value"
        assert rates.get("k") == b"rate value"
        assert host.stores[("cache", "sessions")] == {"k": b"session value"}
    seen = {(method, md.get(BINDING), md.get(TOKEN)) for method, md in host.calls}
    assert seen == {
        ("Set", "sessions", "relay-token"),
        ("Get", "sessions", "relay-token"),
        ("Set", "rates", "relay-token"),  # stripped, as the binding name is
        ("Get", "rates", "relay-token"),
    }


def test_cache_without_binding_or_unknown_binding_is_the_hosts_error(v5_env: Running) -> None:
    with Cache.connect() as unnamed, pytest.raises(InvalidArgumentError, match="required"):
        unnamed.get("k")
    assert BINDING not in v5_env.host.calls[-1][1]  # no empty binding is sent
    with Cache.connect("nope") as unknown, pytest.raises(NotFoundError, match="nope"):
        unknown.get("k")


def test_async_cache_on_protocol_5(v5_env: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GESTALT_HOST_SERVICE_TOKEN")

    async def body() -> None:
        async with AsyncCache.connect("sessions", timeout=10) as cache:
            await cache.set("async", b"v")
            assert await cache.get("async") == b"v"

    asyncio.run(body())
    assert [md.get(BINDING) for _, md in v5_env.host.calls] == ["sessions", "sessions"]
    assert all(TOKEN not in md for _, md in v5_env.host.calls)  # no token: none sent


# -- the object-store client -------------------------------------------------------------


def test_s3_client_on_protocol_5_names_objects_by_key(v5_env: Running) -> None:
    with S3.connect("files", timeout=10) as s3:
        assert s3.protocol == 5
        notes = s3.object("notes/a.txt")
        assert notes.ref == ObjectRef("", "notes/a.txt")
        notes.write_text("hello")
        assert notes.text() == "hello"
        assert notes.stat().size == 5
        s3.copy_object(notes.ref, s3.object("notes/b.txt").ref)
        listed = [meta.ref.key for meta in s3.iter_objects(ListOptions(prefix="notes/"))]
        assert listed == ["notes/a.txt", "notes/b.txt"]
        s3.object("notes/b.txt").delete()
        assert not s3.object("notes/b.txt").exists()
    methods = [method for method, _ in v5_env.host.calls]
    assert {"WriteObject", "ReadObject", "HeadObject", "ListObjects", "CopyObject"} <= set(methods)
    # Every call, unary and streaming, carried the binding and the token.
    assert {(md.get(BINDING), md.get(TOKEN)) for _, md in v5_env.host.calls} == {
        ("files", "relay-token")
    }


def test_s3_client_on_protocol_5_refuses_a_bucket_and_sends_nothing(v5_env: Running) -> None:
    with S3.connect("files") as s3:
        with pytest.raises(InvalidArgumentError, match="no buckets"):
            s3.object("bkt", "k")
        with pytest.raises(InvalidArgumentError, match="no buckets"):
            s3.head_object(ObjectRef("bkt", "k"))
        with pytest.raises(InvalidArgumentError, match="no buckets"):
            s3.list_objects(ListOptions("bkt"))
        with pytest.raises(InvalidArgumentError, match="no buckets"):
            s3.copy_object(ObjectRef("", "a"), ObjectRef("other", "b"))
    assert v5_env.host.calls == []


def test_s3_object_access_url(v5_env: Running) -> None:
    options = PresignOptions(PresignMethod.PUT, dt.timedelta(minutes=5), content_type="text/csv")
    with S3.connect("files") as s3:
        result = s3.object("report.csv").access_url(options)
        by_key = s3.create_object_access_url("report.csv")
    assert result.url == "https://host.example/objects/report.csv?ttl=300"
    assert result.method is PresignMethod.PUT
    assert result.headers == {"X-Seen-Type": "text/csv"}
    assert result.expires_at == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert by_key.method is PresignMethod.GET
    assert [(m, md.get(BINDING)) for m, md in v5_env.host.calls] == [
        ("CreateObjectAccessURL", "files"),
        ("CreateObjectAccessURL", "files"),
    ]


def test_async_s3_on_protocol_5(v5_env: Running) -> None:
    async def chunks() -> Any:
        yield b"ab"
        yield b"cd"

    async def body() -> None:
        async with AsyncS3.connect("files", timeout=10) as s3:
            obj = s3.object("async/x")
            await obj.write(chunks())
            assert await obj.bytes() == b"abcd"
            url = await obj.access_url()
            assert url.url.endswith("async/x?ttl=0")
            with pytest.raises(InvalidArgumentError, match="no buckets"):
                s3.object("bkt", "k")

    asyncio.run(body())
    assert [m for m, _ in v5_env.host.calls] == [
        "WriteObject",
        "ReadObject",
        "CreateObjectAccessURL",
    ]
    assert {(md.get(BINDING), md.get(TOKEN)) for _, md in v5_env.host.calls} == {
        ("files", "relay-token")
    }


def test_s3_client_on_protocol_2_needs_a_bucket_and_has_no_access_urls(
    monkeypatch: pytest.MonkeyPatch, running: Running
) -> None:
    monkeypatch.delenv("GESTALT_HOST_SERVICE_SOCKET", raising=False)
    monkeypatch.setenv("GESTALT_S3_SOCKET", str(running.path))  # never dialled below
    with S3.connect() as s3:
        assert s3.protocol == 2
        with pytest.raises(InvalidArgumentError, match="bucket and key"):
            s3.object("k")
        with pytest.raises(UnimplementedError, match="protocol-5"):
            s3.create_object_access_url(ObjectRef("bkt", "k"))
        assert s3.object("bkt", "k").ref == ObjectRef("bkt", "k")


# -- addresses ---------------------------------------------------------------------------


def _roundtrip(running: Running, address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", address)
    with Cache.connect("sessions", timeout=10) as cache:
        cache.set("addr", address.encode())
        assert cache.get("addr") == address.encode()


def test_address_forms(v5_env: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    for address in (
        str(v5_env.path),
        f"unix://{v5_env.path}",
        f"tcp://127.0.0.1:{v5_env.tcp_port}",
    ):
        _roundtrip(v5_env, address, monkeypatch)


def test_tls_address_with_ca_file_and_pem(v5_env: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    address = f"tls://localhost:{v5_env.tls_port}"
    monkeypatch.setenv("GESTALT_HOST_SERVICE_TLS_CA_FILE", str(v5_env.ca))
    _roundtrip(v5_env, address, monkeypatch)
    monkeypatch.delenv("GESTALT_HOST_SERVICE_TLS_CA_FILE")
    monkeypatch.setenv("GESTALT_HOST_SERVICE_TLS_CA_PEM", v5_env.ca.read_text())
    _roundtrip(v5_env, address, monkeypatch)
    # Without the host's root the default roots do not trust it: the call fails.
    monkeypatch.delenv("GESTALT_HOST_SERVICE_TLS_CA_PEM")
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", address)
    with (
        Cache.connect("sessions", timeout=5) as cache,
        pytest.raises(UnavailableError),
    ):
        cache.get("addr")


def test_http_proxy_variables_never_capture_host_calls(
    v5_env: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy that does not exist: a channel that honoured it could not connect.
    for name in ("grpc_proxy", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    _roundtrip(v5_env, f"tcp://127.0.0.1:{v5_env.tcp_port}", monkeypatch)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("", "set but empty"),
        ("  ", "set but empty"),
        ("http://h:1", "not a path"),
        ("tcp://", "not a path"),
        ("tls://nohostport", "not a path"),
        ("unix://", "not a path"),
    ],
)
def test_unusable_addresses_fail_clearly(
    value: str, match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", value)
    with pytest.raises(HostServiceAddressError, match=match):
        Cache.connect("sessions")
    with pytest.raises(HostServiceAddressError, match=match):
        S3.connect("files")


def test_names_that_metadata_cannot_carry_fail_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", "/tmp/host.sock")
    with pytest.raises(ValueError, match="binding name 'bü' cannot be sent"):
        Cache.connect("bü")
    monkeypatch.setenv("GESTALT_HOST_SERVICE_TOKEN", "tok\x01en")
    with pytest.raises(ValueError, match="GESTALT_HOST_SERVICE_TOKEN cannot be sent"):
        S3.connect("files")


def test_unreadable_ca_file_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", "tls://localhost:1")
    monkeypatch.setenv("GESTALT_HOST_SERVICE_TLS_CA_FILE", "/nonexistent/ca.pem")
    with pytest.raises(HostServiceAddressError, match="cannot be read"):
        Cache.connect("sessions")


def test_protocol_2_variables_are_used_when_no_host_service_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GESTALT_HOST_SERVICE_SOCKET", raising=False)
    monkeypatch.delenv("GESTALT_CACHE_SOCKET_SESSIONS", raising=False)
    with pytest.raises(CacheNotBoundError, match="GESTALT_CACHE_SOCKET_SESSIONS"):
        Cache.connect("sessions")


def test_presign_through_a_protocol_5_host_keeps_its_answer(v5_env: Running) -> None:
    with S3.connect("files") as s3, pytest.raises(FailedPreconditionError, match="presign"):
        s3.object("k").presign()
    assert v5_env.host.calls[-1][0] == "PresignObject"


def test_every_cache_call_carries_the_binding(v5_env: Running) -> None:
    with Cache.connect("rates", timeout=10) as cache:
        cache.set_many({"a": b"1", "b": b"2"})
        assert cache.get_many(["a", "b", "c"]) == {"a": b"1", "b": b"2"}
        assert cache.touch("a", 60)
        assert cache.delete("a")
        assert cache.delete_many(["a", "b"]) == 1
    assert [m for m, _ in v5_env.host.calls] == [
        "SetMany",
        "GetMany",
        "Touch",
        "Delete",
        "DeleteMany",
    ]
    assert {md.get(BINDING) for _, md in v5_env.host.calls} == {"rates"}


def test_cache_clients_against_a_protocol_5_cache_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clients' protocol-5 path against the SDK's own cache servicer on protocol 5.
    root = Path(__file__).parent / "providers" / "cache_memory"
    with launch(root, "cache", python=sys.executable, protocol=5) as proc:
        monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", proc.socket_path)
        with Cache.connect("any", timeout=10) as cache:
            cache.set_many({"a": b"1", "b": b"2"}, ttl=60)
            assert cache.get_many(["a", "b", "c"]) == {"a": b"1", "b": b"2"}
            assert cache.delete_many(["a", "b"]) == 2

        async def body() -> None:
            async with AsyncCache.connect(timeout=10) as cache:
                await cache.set("k", b"v")
                assert await cache.get("k") == b"v"

        asyncio.run(body())
