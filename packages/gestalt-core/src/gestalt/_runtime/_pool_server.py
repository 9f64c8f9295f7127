"""The thread-pool server model, for providers whose handlers are all plain ``def``.

gRPC's thread-pool server costs less per call than ``grpc.aio`` plus a hop into a pool
(docs/design.md has the figures), so a provider that never needs the event loop is served
by it. The surfaces' servicers stay the same ``async def`` methods: on this server their
awaits never wait (every provider callable runs inline, see ``Runtime(inline=True)``), so
each call drives its coroutine to the end on the pool thread that received it.

Two requirements of the runtime shape the pool: blocking handlers run concurrently (up to
``max_workers``), and health checks never queue behind them (a pool of their own).
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc
import grpc.aio

#: Threads kept for calls that do not block: more runnable threads than cores only
#: trade the GIL back and forth (bench/: 4 threads gave the lowest CPU per call).
CORE_THREADS = 4
#: How long a backlog may stand still before the pool grows: calls that compute finish
#: in well under this; calls that make no progress for this long are blocked on I/O.
STALL_SECONDS = 0.001


class ElasticPool(ThreadPoolExecutor):
    """A pool that runs on :data:`CORE_THREADS` threads while calls finish, and grows
    towards ``max_workers`` only while every thread is stuck in a blocking call."""

    def __init__(self, max_workers: int, name: str) -> None:
        super().__init__(max_workers, thread_name_prefix=name)
        self._done = 0  # calls finished; a backlog with no progress means blocked threads
        self._backlog = threading.Event()
        self._watcher: threading.Thread | None = None

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(self._counted, fn, args, kwargs)

    def _counted(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            self._done += 1  # racing increments may merge; the watcher needs only a change

    def _adjust_thread_count(self) -> None:
        if len(self._threads) < CORE_THREADS:
            super()._adjust_thread_count()
            return
        if self._idle_semaphore.acquire(timeout=0):
            return  # an idle thread takes it
        self._backlog.set()
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch, name=f"{self._thread_name_prefix}-watch", daemon=True
            )
            self._watcher.start()

    def _watch(self) -> None:
        while not self._shutdown:
            self._backlog.wait()
            self._backlog.clear()
            while self._work_queue.qsize() and not self._shutdown:
                done = self._done
                time.sleep(STALL_SECONDS)
                if self._done == done and self._work_queue.qsize():
                    with self._shutdown_lock:
                        for _ in range(min(self._work_queue.qsize(), self._max_workers)):
                            if len(self._threads) >= self._max_workers or self._shutdown:
                                break
                            super()._adjust_thread_count()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait, cancel_futures=cancel_futures)
        self._backlog.set()


class _Context:
    """A sync servicer context with the awaitable ``abort`` the surfaces' servicers use."""

    def __init__(self, context: grpc.ServicerContext) -> None:
        self._context = context

    async def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        with contextlib.suppress(Exception):  # grpc records the status, raises to unwind
            self._context.abort(code, details)
        # The surfaces' guard lets an AbortError through as "already answered".
        raise grpc.aio.AbortError()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _driven(method: Any) -> Any:
    """``method(request, context)`` run to its end here: its awaits never wait."""

    def call(request: object, context: grpc.ServicerContext) -> object:
        coroutine = method(request, _Context(context))
        try:
            coroutine.send(None)
        except StopIteration as finished:
            return finished.value
        coroutine.close()
        raise RuntimeError(f"{method.__qualname__} waited on an event loop in the pool model")

    return call


class PoolServer:
    """A ``grpc.server`` that takes the surfaces' ``async def`` servicers.

    Generated ``add_*Servicer_to_server`` functions register each service twice (generic
    and by method); this server registers its driven handlers once per service, on the
    second call, and answers ``HealthCheck`` from a pool of its own.
    """

    def __init__(self, options: list[tuple[str, Any]], max_workers: int) -> None:
        self._pool = ElasticPool(max_workers, "gestalt-handler")
        self._health = ThreadPoolExecutor(2, thread_name_prefix="gestalt-health")
        self._server = grpc.server(self._pool, options=options)

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        """Ignored: :meth:`add_registered_method_handlers` registers the same methods."""

    def add_registered_method_handlers(
        self, service: str, handlers: collections.abc.Mapping[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        """Register ``service``'s unary methods, each driven on a pool thread."""
        driven = {}
        for name, handler in handlers.items():
            if handler.request_streaming or handler.response_streaming:
                raise ValueError(f"{service}/{name} streams; serve it with grpc.aio")
            behaviour = _driven(handler.unary_unary)
            if name == "HealthCheck":
                behaviour.experimental_thread_pool = self._health  # grpc's per-method pool
            driven[name] = handler._replace(unary_unary=behaviour)  # type: ignore[attr-defined]
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service, driven),)
        )
        self._server.add_registered_method_handlers(service, driven)

    def add_insecure_port(self, address: str) -> int:
        """Listen on ``address``."""
        return self._server.add_insecure_port(address)

    async def start(self) -> None:
        """Start serving (the server's own threads take the calls)."""
        self._server.start()

    async def stop(self, grace: float) -> None:
        """Stop taking calls and give running ones ``grace`` seconds."""
        stopped = self._server.stop(grace)
        await asyncio.get_running_loop().run_in_executor(None, stopped.wait)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._health.shutdown(wait=False, cancel_futures=True)
