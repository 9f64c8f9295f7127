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
import functools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import grpc
import grpc.aio

#: Threads kept for calls that do not block: more runnable threads than cores only
#: trade the GIL back and forth (bench/: 4 threads gave the lowest CPU per call).
CORE_THREADS = 4
#: How long a backlog may stand still before the pool adds threads. Calls that compute
#: finish far sooner, but a thread can wait up to the interpreter's switch interval
#: (5 ms) for the GIL, so only a standstill of several intervals means blocked threads.
STALL_SECONDS = 0.02
#: The share of a stall window the process may spend on the CPU and still count as
#: blocked: on one core or two, threads that compute use most of the window.
BUSY_SHARE = 0.5
#: How long an added thread waits for more work before it ends.
EXTRA_IDLE_SECONDS = 1.0


class ElasticPool(Executor):
    """A pool that runs calls on :data:`CORE_THREADS` threads while they finish, and adds
    threads (up to ``max_workers`` in all) only while every thread is stuck in a blocking
    call: a backlog, no call finished and the process nearly idle for
    :data:`STALL_SECONDS`. Added threads end after :data:`EXTRA_IDLE_SECONDS` without work."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._limit = max(max_workers, CORE_THREADS)
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None]
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._done = 0  # calls finished: a backlog with no progress means blocked threads
        self._stopping = False
        self._backlog = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name=f"{name}-watch", daemon=True)
        self._watcher.start()
        for _ in range(CORE_THREADS):
            self._start(core=True)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``."""
        future: Future[Any] = Future()
        self._queue.put((future, functools.partial(fn, *args, **kwargs)))
        self._backlog.set()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; running calls finish on their own."""
        with self._lock:
            self._stopping = True
            threads = self._threads
        if cancel_futures:
            with contextlib.suppress(queue.Empty):
                while item := self._queue.get_nowait():
                    item[0].cancel()
        for _ in range(threads):
            self._queue.put(None)
        self._backlog.set()

    def _start(self, *, core: bool) -> None:
        self._threads += 1
        number = self._threads
        threading.Thread(
            target=self._work, args=(core,), name=f"{self._name}_{number}", daemon=True
        ).start()

    def _work(self, core: bool) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=None if core else EXTRA_IDLE_SECONDS)
                except queue.Empty:
                    return
                if item is None:
                    return
                future, call = item
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(call())
                    except BaseException as error:
                        future.set_exception(error)
                del item, future, call
                self._done += 1  # racing increments may merge; the watcher needs a change
        finally:
            with self._lock:
                self._threads -= 1

    def _watch(self) -> None:
        while not self._stopping:
            self._backlog.wait()
            self._backlog.clear()
            while self._queue.qsize() and not self._stopping:
                done, cpu = self._done, time.process_time()
                time.sleep(STALL_SECONDS)
                backlog = self._queue.qsize()
                # Stuck, not busy: no call finished and the process hardly ran. Threads
                # that compute (or wait for the GIL) use CPU; threads blocked on I/O do not.
                idle = time.process_time() - cpu < STALL_SECONDS * BUSY_SHARE
                if backlog and self._done == done and idle:
                    with self._lock:
                        for _ in range(min(backlog, self._limit - self._threads)):
                            self._start(core=False)


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


class _DrivenHandlers(grpc.GenericRpcHandler):
    """A service's generic handler whose unary behaviours are driven on pool threads."""

    def __init__(self, inner: grpc.GenericRpcHandler, server: PoolServer) -> None:
        self._inner = inner
        self._server = server
        self._driven: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        method = handler_call_details.method
        found = self._driven.get(method)
        if found is None:
            handler = self._inner.service(handler_call_details)
            if handler is None:
                return None
            found = self._driven[method] = self._server.drive(method, handler)
        return found


class PoolServer:
    """A ``grpc.server`` that takes the surfaces' ``async def`` servicers.

    The generated ``add_*Servicer_to_server`` functions register generic handlers here;
    each unary behaviour is driven on a pool thread, and ``HealthCheck`` has a pool of its
    own.
    """

    def __init__(self, options: list[tuple[str, Any]], max_workers: int) -> None:
        self._pool = ElasticPool(max_workers, "gestalt-handler")
        self._health = ThreadPoolExecutor(2, thread_name_prefix="gestalt-health")
        # grpc only calls submit() on it; its stubs ask for a ThreadPoolExecutor.
        self._server = grpc.server(self._pool, options=options)  # type: ignore[arg-type]

    def drive(
        self, method: str, handler: grpc.RpcMethodHandler[Any, Any]
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """``handler`` with its unary behaviour run to its end on the thread of the call."""
        if handler.request_streaming or handler.response_streaming:
            raise ValueError(f"{method} streams; serve it with grpc.aio")
        behaviour = _driven(handler.unary_unary)
        if method.endswith("/HealthCheck"):
            behaviour.experimental_thread_pool = self._health  # grpc's per-method pool
        return handler._replace(unary_unary=behaviour)  # type: ignore[attr-defined,no-any-return]

    def add_generic_rpc_handlers(self, handlers: collections.abc.Iterable[object]) -> None:
        """Register generic handlers, each unary method driven on a pool thread."""
        driven = tuple(_DrivenHandlers(handler, self) for handler in handlers)  # type: ignore[arg-type]
        self._server.add_generic_rpc_handlers(driven)

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
