"""The host object-store client, sync and async, against the emulator's host service and
against a served provider."""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gestalt.core import FailedPreconditionError
from gestalt.core.testing import HostS3Service, launch
from gestalt.core.testing._host_services import RunningHostServices
from gestalt.s3 import (
    S3,
    AsyncS3,
    ByteRange,
    CopyOptions,
    InvalidArgumentError,
    InvalidRangeError,
    ListOptions,
    NotFoundError,
    PreconditionFailedError,
    PresignMethod,
    PresignOptions,
    ReadOptions,
    S3NotBoundError,
    S3NotFoundError,
    WriteOptions,
    s3_socket_env,
)

PROVIDERS = Path(__file__).resolve().parents[3] / "tests" / "providers"


@pytest.fixture(scope="module")
def host() -> Iterator[tuple[HostS3Service, str]]:
    service = HostS3Service()
    folder = tempfile.mkdtemp(prefix="g")
    running = RunningHostServices([service], Path(folder), "reports")
    yield service, running.env["GESTALT_S3_SOCKET"]
    running.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with launch(PROVIDERS / "s3_memory", "s3", python=sys.executable) as proc:
        yield proc.socket_path


@pytest.fixture(scope="module", params=["host", "provider"])
def socket_path(request: pytest.FixtureRequest) -> str:
    if request.param == "host":
        return str(request.getfixturevalue("host")[1])
    return str(request.getfixturevalue("served"))


def test_s3_socket_env_names() -> None:
    assert s3_socket_env() == "GESTALT_S3_SOCKET"
    assert s3_socket_env(" my-bucket.ü ") == "GESTALT_S3_SOCKET_MY_BUCKET__"


def test_s3_connect_without_binding_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GESTALT_S3_SOCKET_NOPE", raising=False)
    with pytest.raises(S3NotBoundError, match="GESTALT_S3_SOCKET_NOPE") as caught:
        S3.connect("nope")
    # a handler that lets it escape answers 412, like the cache client's CacheNotBoundError
    assert isinstance(caught.value, FailedPreconditionError)
    assert caught.value.http_status == 412
    assert caught.value.variable == "GESTALT_S3_SOCKET_NOPE"


def test_s3_object_api(socket_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_S3_SOCKET", socket_path)
    with S3.connect(timeout=30) as s3:
        obj = s3.object("bkt", "notes/a.txt")
        meta = obj.write_text("hello world")
        assert meta.ref.key == "notes/a.txt"
        assert meta.size == 11
        assert obj.exists()
        assert obj.stat().content_type.startswith("text/plain")
        assert obj.text() == "hello world"
        assert obj.bytes(ReadOptions(range=ByteRange(6, 100))) == b"world"
        with pytest.raises(InvalidRangeError):
            obj.bytes(ReadOptions(range=ByteRange(start=50)))
        with pytest.raises(PreconditionFailedError):
            obj.bytes(ReadOptions(if_none_match=meta.etag))
        s3.object("bkt", "data.json").write_json({"n": 1})
        assert s3.object("bkt", "data.json").json() == {"n": 1}
        assert s3.object("bkt", "data.json").stat().content_type == "application/json"
        chunks = (bytes([i]) * 70000 for i in range(3))
        big = s3.object("bkt", "chunks").write(chunks, WriteOptions(metadata={"k": "v"}))
        assert big.size == 210000
        assert s3.object("bkt", "chunks").stat().metadata == {"k": "v"}
        s3.object("bkt", "file").write(io.BytesIO(b"from a file"))
        _meta, reader = s3.object("bkt", "file").stream()
        with reader:
            assert reader.read(4) == b"from"
            assert reader.read() == b" a file"
        _meta, reader = s3.object("bkt", "chunks").stream()
        with reader:  # stopping early cancels the call
            assert len(next(iter(reader))) > 0
        copied = s3.copy_object(
            obj.ref, s3.object("bkt", "copy.txt").ref, CopyOptions(if_match=meta.etag)
        )
        assert copied.ref.key == "copy.txt"
        with pytest.raises(PreconditionFailedError):
            s3.copy_object(obj.ref, s3.object("bkt", "c2").ref, CopyOptions(if_match='"x"'))
        obj.delete()
        assert not obj.exists()
        with pytest.raises(S3NotFoundError):
            obj.stat()
        with pytest.raises(NotFoundError):
            obj.text()


def test_s3_listing_pages(socket_path: str) -> None:
    with S3(socket=socket_path) as s3:
        for key in ("p/a", "p/b/1", "p/b/2", "p/c", "p/d/1"):
            s3.object("bkt", key).write(b"x")
        pages = list(s3.iter_pages(ListOptions("bkt", prefix="p/", delimiter="/", max_keys=2)))
        assert [len(p.objects) + len(p.common_prefixes) for p in pages] == [2, 2, 0][: len(pages)]
        assert [o.ref.key for p in pages for o in p.objects] == ["p/a", "p/c"]
        assert [c for p in pages for c in p.common_prefixes] == ["p/b/", "p/d/"]
        keys = [m.ref.key for m in s3.iter_objects(ListOptions("bkt", prefix="p/", max_keys=2))]
        assert keys == ["p/a", "p/b/1", "p/b/2", "p/c", "p/d/1"]
        with pytest.raises(InvalidArgumentError):
            s3.list_objects(ListOptions("bkt", continuation_token="gestalt_s3_ct_!!!"))


def test_s3_host_namespacing_and_tokens(host: tuple[HostS3Service, str]) -> None:
    service, path = host
    with S3(socket=path) as s3:
        s3.object("bkt", "ns/key").write(b"x")
        s3.object("bkt", "ns/key2").write(b"x")
        assert ("bkt", "plugin_7_reports/ns/key") in service.objects
        page = s3.list_objects(ListOptions("bkt", prefix="ns/", max_keys=1))
        assert page.has_more
        assert page.next_continuation_token.startswith("gestalt_s3_ct_")
        assert [o.ref.key for o in page.objects] == ["ns/key"]
        with pytest.raises(PreconditionFailedError, match="presign is not supported"):
            s3.object("bkt", "ns/key").presign()


def test_s3_presign_through_provider(served: str) -> None:
    with S3(socket=served) as s3:
        result = s3.object("bkt", "k").presign(
            PresignOptions(method=PresignMethod.PUT, content_type="text/csv")
        )
        assert result.method is PresignMethod.PUT
        assert result.headers["Content-Type"] == "text/csv"
        assert result.url.startswith("memory://")


def test_s3_async_client(socket_path: str) -> None:
    async def body() -> None:
        async with AsyncS3(socket=socket_path, timeout=30) as s3:
            obj = s3.object("bkt", "async/a")

            async def chunks() -> object:
                for part in (b"ab", b"cd"):
                    yield part

            meta = await obj.write(chunks())  # type: ignore[arg-type]
            assert meta.size == 4
            assert await obj.bytes() == b"abcd"
            assert await obj.bytes(ReadOptions(range=ByteRange(end=1))) == b"ab"
            await obj.write_json([1, 2])
            assert await obj.json() == [1, 2]
            assert await obj.exists()
            _meta, reader = await obj.stream()
            async with reader:
                assert b"".join([c async for c in reader]) == b"[1, 2]"
            keys = [m.ref.key async for m in s3.iter_objects(ListOptions("bkt", prefix="async/"))]
            assert keys == ["async/a"]
            await obj.delete()
            assert not await obj.exists()
            with pytest.raises(NotFoundError):
                await obj.stat()

    asyncio.run(body())


def test_s3_text_and_json_writes_leave_the_callers_options_alone(socket_path: str) -> None:
    options = WriteOptions(metadata={"k": "v"})
    with S3(socket=socket_path, timeout=30) as s3:
        s3.object("bkt", "opts/t").write_text("x", options)
        s3.object("bkt", "opts/j").write_json([1], options)
        assert options == WriteOptions(metadata={"k": "v"})
        s3.object("bkt", "opts/b").write_bytes(b"x", options)
        assert s3.object("bkt", "opts/b").stat().content_type != "application/json"

    async def body() -> None:
        async with AsyncS3(socket=socket_path, timeout=30) as s3:
            await s3.object("bkt", "opts/at").write_text("x", options)
            await s3.object("bkt", "opts/aj").write_json([1], options)
            assert options == WriteOptions(metadata={"k": "v"})

    asyncio.run(body())


def test_s3_object_version_on_both_clients(socket_path: str) -> None:
    with S3(socket=socket_path) as s3:
        handle = s3.object_version("bkt", "k", "v1")
        assert handle.ref == s3.object("bkt", "k", "v1").ref
        assert handle.ref.version_id == "v1"

    async def body() -> None:
        async with AsyncS3(socket=socket_path) as s3:
            handle = s3.object_version("bkt", "k", "v1")
            assert handle.ref.version_id == "v1"
            with pytest.raises(NotFoundError):  # the memory store keeps no versions
                await handle.stat()

    asyncio.run(body())


@pytest.fixture(scope="module")
def served_v5() -> Iterator[str]:
    with launch(PROVIDERS / "s3_memory", "s3", python=sys.executable, protocol=5) as proc:
        yield proc.socket_path


def test_s3_client_and_provider_on_protocol_5(
    served_v5: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's protocol-5 path against the SDK's own protocol-5 servicer: objects by
    # key, the provider's one store (MemoryS3's bucket "").
    monkeypatch.setenv("GESTALT_HOST_SERVICE_SOCKET", f"unix://{served_v5}")
    with S3.connect("files", timeout=30) as s3:
        obj = s3.object("v5/a.txt")
        meta = obj.write_text("0123456789", WriteOptions(metadata={"k": "v"}))
        assert (meta.ref.bucket, meta.ref.key, meta.size) == ("", "v5/a.txt", 10)
        assert obj.bytes(ReadOptions(range=ByteRange(2, 5))) == b"2345"
        assert obj.stat().metadata == {"k": "v"}
        copy = s3.copy_object(obj.ref, s3.object("v5/b.txt").ref, CopyOptions(if_match=meta.etag))
        assert copy.ref.key == "v5/b.txt"
        keys = [m.ref.key for m in s3.iter_objects(ListOptions(prefix="v5/", max_keys=1))]
        assert keys == ["v5/a.txt", "v5/b.txt"]
        assert obj.presign(PresignOptions(PresignMethod.PUT)).url.startswith("memory://")
        s3.object("v5/b.txt").delete()
        assert not s3.object("v5/b.txt").exists()
        with pytest.raises(InvalidArgumentError, match="no buckets"):
            s3.object("bkt", "v5/a.txt")

    async def body() -> None:
        async with AsyncS3.connect("files", timeout=30) as s3:
            assert await s3.object("v5/a.txt").text() == "0123456789"
            with pytest.raises(S3NotFoundError):
                await s3.object("v5/missing").stat()

    asyncio.run(body())
