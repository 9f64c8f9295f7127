"""The floor on grpc.aio: hand-written servicers on the generated stubs, no SDK.

``python bench/raw/raw_aio.py KIND [pydantic]`` (KIND: integration, cache or s3) serves
on ``GESTALT_PLUGIN_SOCKET`` what the benchmark's providers serve with the least work a
hand-written servicer does: the integration's ``greet`` reads the params Struct in place
(greet_floor.py). With ``pydantic`` it serves ``greet`` on pydantic instead
(greet_pydantic.py): the floor for an integration's start-up and memory. Imports only
what KIND needs, as a careful runtime would.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
from google.protobuf import empty_pb2

from gestalt.provider.v1 import runtime_pb2, runtime_pb2_grpc

Ctx = grpc.aio.ServicerContext[Any, Any]
LIMIT = 64 * 1024 * 1024
KIND_WIRE = {"cache": 6, "s3": 7}  # runtime.proto ProviderKind
FRAME = 64 * 1024
BLOCK = bytes(range(256)) * (FRAME // 256)
TWICE = BLOCK * 2  # any chunk of <= 64 KiB at any offset is a slice of this
SLOW_PREFIX, SLOW_SECONDS = "slow/", 0.05  # cache Get of such a key: a slow handler


async def _unimplemented(self: object, request: object, context: Ctx) -> Any:
    await context.abort(grpc.StatusCode.UNIMPLEMENTED, "not served by the benchmark")


def add_integration(server: grpc.aio.Server, with_pydantic: bool) -> None:
    from gestalt.provider.v1 import plugin_pb2, plugin_pb2_grpc

    # The hand-written floor, or the same operation on pydantic (the start-up floor).
    if with_pydantic:
        from greet_pydantic import greet
    else:
        from greet_floor import greet

    class Integration(plugin_pb2_grpc.IntegrationProviderServicer):
        async def GetMetadata(
            self, request: empty_pb2.Empty, context: Ctx
        ) -> plugin_pb2.ProviderMetadata:
            return plugin_pb2.ProviderMetadata(name="bench")

        async def StartProvider(
            self, request: plugin_pb2.StartProviderRequest, context: Ctx
        ) -> plugin_pb2.StartProviderResponse:
            return plugin_pb2.StartProviderResponse(protocol_version=2)

        async def Execute(
            self, request: plugin_pb2.ExecuteRequest, context: Ctx
        ) -> plugin_pb2.OperationResult:
            if request.operation != "greet":
                return plugin_pb2.OperationResult(status=404, body='{"error":"unknown operation"}')
            status, body = greet(request.params if request.HasField("params") else None)
            return plugin_pb2.OperationResult(status=status, body=body)

        GetSessionCatalog = _unimplemented
        PostConnect = _unimplemented

    plugin_pb2_grpc.add_IntegrationProviderServicer_to_server(Integration(), server)


def add_cache(server: grpc.aio.Server) -> None:
    from gestalt.provider.v1 import cache_pb2, cache_pb2_grpc

    data: dict[str, bytes] = {}  # one event loop: no lock needed

    class Cache(cache_pb2_grpc.CacheServicer):
        async def Get(
            self, request: cache_pb2.CacheGetRequest, context: Ctx
        ) -> cache_pb2.CacheGetResponse:
            if request.key.startswith(SLOW_PREFIX):  # a slow handler (bench/README)
                await asyncio.sleep(SLOW_SECONDS)
                return cache_pb2.CacheGetResponse(found=False)
            found = data.get(request.key)
            if found is None:
                return cache_pb2.CacheGetResponse(found=False)
            return cache_pb2.CacheGetResponse(found=True, value=found)

        async def Set(self, request: cache_pb2.CacheSetRequest, context: Ctx) -> empty_pb2.Empty:
            data[request.key] = request.value
            return empty_pb2.Empty()

        GetMany = SetMany = Delete = DeleteMany = Touch = _unimplemented

    cache_pb2_grpc.add_CacheServicer_to_server(Cache(), server)


def add_s3(server: grpc.aio.Server) -> None:
    from gestalt.provider.v1 import s3_pb2, s3_pb2_grpc

    # A store that keeps nothing: bodies are BLOCK repeated up to the size in the key
    # ("obj-<size>"); writes are checked against the pattern (etag "match"/"mismatch").
    async def sized(ref: s3_pb2.S3ObjectRef, context: Ctx) -> int:
        if not ref.key.startswith("obj-"):
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such object")
        return int(ref.key[4:])

    class S3(s3_pb2_grpc.S3Servicer):
        async def HeadObject(
            self, request: s3_pb2.HeadObjectRequest, context: Ctx
        ) -> s3_pb2.HeadObjectResponse:
            size = await sized(request.ref, context)
            meta = s3_pb2.S3ObjectMeta(ref=request.ref, size=size, etag="pattern")
            return s3_pb2.HeadObjectResponse(meta=meta)

        async def ReadObject(
            self, request: s3_pb2.ReadObjectRequest, context: Ctx
        ) -> AsyncIterator[s3_pb2.ReadObjectChunk]:
            size = await sized(request.ref, context)
            meta = s3_pb2.S3ObjectMeta(ref=request.ref, size=size, etag="pattern")
            yield s3_pb2.ReadObjectChunk(meta=meta)
            full, rest = divmod(size, FRAME)
            for _ in range(full):
                yield s3_pb2.ReadObjectChunk(data=BLOCK)
            if rest:
                yield s3_pb2.ReadObjectChunk(data=BLOCK[:rest])

        async def WriteObject(
            self, request_iterator: AsyncIterator[s3_pb2.WriteObjectRequest], context: Ctx
        ) -> s3_pb2.WriteObjectResponse:
            ref: s3_pb2.S3ObjectRef | None = None
            seen, good = 0, True
            async for message in request_iterator:
                if ref is None:
                    ref = message.open.ref
                    continue
                chunk = message.data
                start = seen % FRAME
                good = good and len(chunk) <= FRAME and TWICE[start : start + len(chunk)] == chunk
                seen += len(chunk)
            etag = "match" if good else "mismatch"
            return s3_pb2.WriteObjectResponse(
                meta=s3_pb2.S3ObjectMeta(ref=ref, size=seen, etag=etag)
            )

        DeleteObject = ListObjects = CopyObject = PresignObject = _unimplemented

    s3_pb2_grpc.add_S3Servicer_to_server(S3(), server)


class Lifecycle(runtime_pb2_grpc.ProviderLifecycleServicer):
    def __init__(self, kind: str) -> None:
        self._kind = KIND_WIRE[kind]

    async def GetProviderIdentity(
        self, request: empty_pb2.Empty, context: Ctx
    ) -> runtime_pb2.ProviderIdentity:
        return runtime_pb2.ProviderIdentity(
            kind=self._kind,  # type: ignore[arg-type]
            name="bench",
            min_protocol_version=2,
            max_protocol_version=2,
        )

    async def ConfigureProvider(
        self, request: runtime_pb2.ConfigureProviderRequest, context: Ctx
    ) -> runtime_pb2.ConfigureProviderResponse:
        return runtime_pb2.ConfigureProviderResponse(protocol_version=2)

    async def HealthCheck(
        self, request: empty_pb2.Empty, context: Ctx
    ) -> runtime_pb2.HealthCheckResponse:
        return runtime_pb2.HealthCheckResponse(ready=True)


async def serve(kind: str, with_pydantic: bool) -> None:
    path = os.environ["GESTALT_PLUGIN_SOCKET"]
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", LIMIT),
            ("grpc.max_send_message_length", LIMIT),
        ]
    )
    if kind == "integration":
        add_integration(server, with_pydantic)
    else:
        (add_cache if kind == "cache" else add_s3)(server)
        runtime_pb2_grpc.add_ProviderLifecycleServicer_to_server(Lifecycle(kind), server)
    if os.path.exists(path):
        os.unlink(path)
    server.add_insecure_port(f"unix:{path}")
    await server.start()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop(0.5)
    with contextlib.suppress(FileNotFoundError):  # grpc removes it at shutdown
        os.unlink(path)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["pydantic"]):
        raise SystemExit("usage: raw_aio.py KIND [pydantic]")
    asyncio.run(serve(sys.argv[1], sys.argv[2:] == ["pydantic"]))
