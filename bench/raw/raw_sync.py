"""The floor on grpcio's thread-pool server: hand-written servicers, no SDK.

``python bench/raw/raw_sync.py KIND [WORKERS [OPTION...]]`` (KIND: integration, cache or
s3) serves on ``GESTALT_PLUGIN_SOCKET`` exactly what ``raw_aio.py`` serves, but with
``grpc.server(ThreadPoolExecutor(WORKERS))``. The default, 4, gave the lowest CPU per
call for these non-blocking handlers (measured against 16 and 64; README). Imports only
what KIND needs.

Options (``OPTIONS``), for the server designs ``bench/run.py --models`` compares:

- ``hop`` runs every unary handler body as a coroutine on one long-lived event loop
  thread while the pool thread waits for it: what a thread-pool server must do to give
  ``async def`` handlers one loop.
- ``health`` serves ``HealthCheck`` from a one-thread executor of its own, so a health
  check never queues behind handlers that fill the pool (the SDK's requirement).
- ``pydantic``: the integration's ``greet`` on pydantic (greet_pydantic.py).

With ``WORKERS`` 64 (a pool sized for blocking handlers) these are the thread-pool
designs an SDK could ship.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from google.protobuf import empty_pb2

from gestalt.provider.v1 import runtime_pb2, runtime_pb2_grpc

Ctx = grpc.ServicerContext
LIMIT = 64 * 1024 * 1024
KIND_WIRE = {"cache": 6, "s3": 7}  # runtime.proto ProviderKind
FRAME = 64 * 1024
BLOCK = bytes(range(256)) * (FRAME // 256)
TWICE = BLOCK * 2  # any chunk of <= 64 KiB at any offset is a slice of this
SLOW_PREFIX, SLOW_SECONDS = "slow/", 0.05  # cache Get of such a key: a slow handler


def _unimplemented(self: object, request: object, context: Ctx) -> Any:
    context.abort(grpc.StatusCode.UNIMPLEMENTED, "not served by the benchmark")


def add_integration(server: grpc.Server, options: frozenset[str]) -> None:
    from gestalt.provider.v1 import plugin_pb2, plugin_pb2_grpc

    # The hand-written floor, or the same operation on pydantic (the start-up floor).
    if "pydantic" in options:
        from greet_pydantic import greet
    else:
        from greet_floor import greet

    class Integration(plugin_pb2_grpc.IntegrationProviderServicer):
        def GetMetadata(
            self, request: empty_pb2.Empty, context: Ctx
        ) -> plugin_pb2.ProviderMetadata:
            return plugin_pb2.ProviderMetadata(name="bench")

        def StartProvider(
            self, request: plugin_pb2.StartProviderRequest, context: Ctx
        ) -> plugin_pb2.StartProviderResponse:
            return plugin_pb2.StartProviderResponse(protocol_version=2)

        def Execute(
            self, request: plugin_pb2.ExecuteRequest, context: Ctx
        ) -> plugin_pb2.OperationResult:
            if request.operation != "greet":
                return plugin_pb2.OperationResult(status=404, body='{"error":"unknown operation"}')
            status, body = greet(request.params if request.HasField("params") else None)
            return plugin_pb2.OperationResult(status=status, body=body)

        GetSessionCatalog = _unimplemented
        PostConnect = _unimplemented

    servicer = Integration()
    if "hop" in options:
        run_on_loop(servicer, HOPPED["integration"])
    plugin_pb2_grpc.add_IntegrationProviderServicer_to_server(servicer, server)


def add_cache(server: grpc.Server, options: frozenset[str]) -> None:
    from gestalt.provider.v1 import cache_pb2, cache_pb2_grpc

    data: dict[str, bytes] = {}
    lock = threading.Lock()  # handlers run on many threads

    # A hopped Get stands for an async def handler: run_on_loop does its slow wait.
    blocking = "hop" not in options

    class Cache(cache_pb2_grpc.CacheServicer):
        def Get(
            self, request: cache_pb2.CacheGetRequest, context: Ctx
        ) -> cache_pb2.CacheGetResponse:
            if request.key.startswith(SLOW_PREFIX):  # a handler that blocks (bench/README)
                if blocking:
                    time.sleep(SLOW_SECONDS)
                return cache_pb2.CacheGetResponse(found=False)
            with lock:
                found = data.get(request.key)
            if found is None:
                return cache_pb2.CacheGetResponse(found=False)
            return cache_pb2.CacheGetResponse(found=True, value=found)

        def Set(self, request: cache_pb2.CacheSetRequest, context: Ctx) -> empty_pb2.Empty:
            with lock:
                data[request.key] = request.value
            return empty_pb2.Empty()

        GetMany = SetMany = Delete = DeleteMany = Touch = _unimplemented

    servicer = Cache()
    if "hop" in options:
        run_on_loop(servicer, HOPPED["cache"])
    cache_pb2_grpc.add_CacheServicer_to_server(servicer, server)


def add_s3(server: grpc.Server, options: frozenset[str]) -> None:
    from gestalt.provider.v1 import s3_pb2, s3_pb2_grpc

    # A store that keeps nothing: bodies are BLOCK repeated up to the size in the key
    # ("obj-<size>"); writes are checked against the pattern (etag "match"/"mismatch").
    def sized(ref: s3_pb2.S3ObjectRef, context: Ctx) -> int:
        if not ref.key.startswith("obj-"):
            context.abort(grpc.StatusCode.NOT_FOUND, "no such object")
        return int(ref.key[4:])

    class S3(s3_pb2_grpc.S3Servicer):
        def HeadObject(
            self, request: s3_pb2.HeadObjectRequest, context: Ctx
        ) -> s3_pb2.HeadObjectResponse:
            size = sized(request.ref, context)
            meta = s3_pb2.S3ObjectMeta(ref=request.ref, size=size, etag="pattern")
            return s3_pb2.HeadObjectResponse(meta=meta)

        def ReadObject(
            self, request: s3_pb2.ReadObjectRequest, context: Ctx
        ) -> Iterator[s3_pb2.ReadObjectChunk]:
            size = sized(request.ref, context)
            meta = s3_pb2.S3ObjectMeta(ref=request.ref, size=size, etag="pattern")
            yield s3_pb2.ReadObjectChunk(meta=meta)
            full, rest = divmod(size, FRAME)
            for _ in range(full):
                yield s3_pb2.ReadObjectChunk(data=BLOCK)
            if rest:
                yield s3_pb2.ReadObjectChunk(data=BLOCK[:rest])

        def WriteObject(
            self, request_iterator: Iterator[s3_pb2.WriteObjectRequest], context: Ctx
        ) -> s3_pb2.WriteObjectResponse:
            ref = next(request_iterator).open.ref
            seen, good = 0, True
            for message in request_iterator:
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

    def GetProviderIdentity(
        self, request: empty_pb2.Empty, context: Ctx
    ) -> runtime_pb2.ProviderIdentity:
        return runtime_pb2.ProviderIdentity(
            kind=self._kind,  # type: ignore[arg-type]
            name="bench",
            min_protocol_version=2,
            max_protocol_version=2,
        )

    def ConfigureProvider(
        self, request: runtime_pb2.ConfigureProviderRequest, context: Ctx
    ) -> runtime_pb2.ConfigureProviderResponse:
        return runtime_pb2.ConfigureProviderResponse(protocol_version=2)

    def HealthCheck(
        self, request: empty_pb2.Empty, context: Ctx
    ) -> runtime_pb2.HealthCheckResponse:
        return runtime_pb2.HealthCheckResponse(ready=True)


def run_on_loop(servicer: object, names: tuple[str, ...]) -> None:
    """Make each named unary method hop to one event loop thread and wait there."""
    import asyncio

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="loop", daemon=True).start()
    for name in names:
        inline = getattr(servicer, name)

        async def body(request: Any, context: Ctx, inline: Any = inline) -> Any:
            if getattr(request, "key", "").startswith(SLOW_PREFIX):
                await asyncio.sleep(SLOW_SECONDS)  # a slow async def handler waits on the loop
            return inline(request, context)

        def hopped(request: Any, context: Ctx, body: Any = body) -> Any:
            return asyncio.run_coroutine_threadsafe(body(request, context), loop).result()

        setattr(servicer, name, hopped)


HOPPED = {"integration": ("Execute",), "cache": ("Get", "Set"), "s3": ()}
OPTIONS = {
    "hop": "unary handlers run on one event loop thread (async def on a thread-pool server)",
    "health": "HealthCheck runs on a thread of its own, never queued behind the handlers",
    "pydantic": "integration: greet on pydantic (greet_pydantic.py), not by hand",
}


def serve(kind: str, workers: int, options: frozenset[str]) -> None:
    path = os.environ["GESTALT_PLUGIN_SOCKET"]
    server = grpc.server(
        ThreadPoolExecutor(max_workers=workers),
        options=[
            ("grpc.max_receive_message_length", LIMIT),
            ("grpc.max_send_message_length", LIMIT),
        ],
    )
    if kind == "integration":
        add_integration(server, options)
    else:
        (add_cache if kind == "cache" else add_s3)(server, options)
        lifecycle = Lifecycle(kind)
        if "health" in options:
            # grpcio runs a handler whose function carries an executor in that executor.
            health = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
            Lifecycle.HealthCheck.experimental_thread_pool = health  # type: ignore[attr-defined]
        runtime_pb2_grpc.add_ProviderLifecycleServicer_to_server(lifecycle, server)
    if os.path.exists(path):
        os.unlink(path)
    server.add_insecure_port(f"unix:{path}")
    server.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.stop(0.5).wait()
    with contextlib.suppress(FileNotFoundError):  # grpc removes it at shutdown
        os.unlink(path)


def main(argv: list[str]) -> None:
    """``KIND [WORKERS [OPTION...]]``."""
    unknown = set(argv[2:]) - OPTIONS.keys()
    if len(argv) < 1 or unknown:
        raise SystemExit(f"usage: raw_sync.py KIND [WORKERS [{'|'.join(OPTIONS)}...]]")
    serve(argv[0], int(argv[1]) if len(argv) > 1 else 4, frozenset(argv[2:]))


if __name__ == "__main__":
    main(sys.argv[1:])
