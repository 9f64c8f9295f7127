"""What a surface's servicers use at run time: handler dispatch, configuration, error mapping.

Server model: one ``grpc.aio`` server on one long-lived event loop. ``async def`` handlers
run on that loop, so objects made in ``configure`` stay usable; plain ``def`` handlers run
in a bounded thread pool because they may block; health checks get a pool of their own so
they never queue behind slow handlers. Which way a handler goes is decided once, when it is
adapted, never per call. docs/design.md has the measurements behind this choice.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import grpc
import grpc.aio
from google.protobuf import struct_pb2

from gestalt.core._errors import FailedPreconditionError, GestaltError
from gestalt.core._kinds import PROTOCOL_VERSION, ProviderKind
from gestalt.core._metadata import RuntimeMetadata, metadata_from_pyproject
from gestalt.core._pyproject import StrPath
from gestalt.core._structs import struct_to_dict
from gestalt.core._surface import Hooks

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("gestalt.runtime")

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")
Req = TypeVar("Req")

#: Default request/response size limit; gRPC's own default (4 MiB) is too small for what
#: callers pass through the host. Override with GESTALT_SDK_MAX_MESSAGE_BYTES.
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Default size of the pool that runs plain ``def`` handlers (they may block on I/O).
#: Override with GESTALT_SDK_MAX_WORKERS.
DEFAULT_MAX_WORKERS = 64


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an integer") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be positive")
    return value


class Runtime:
    """The serving process's shared state, handed to a surface's ``register``.

    Attributes:
        kind: The kind being served.
        hooks: The provider's lifecycle hooks.
        name: The instance name of the last successful configure ("" before).
        config: The config of the last successful configure (``{}`` before).
        configured: Whether a configure call has succeeded.
        max_message_bytes: The server's request/response size limit.
    """

    def __init__(self, kind: ProviderKind, hooks: Hooks, root: StrPath | None = None) -> None:
        self.kind = kind
        self.hooks = hooks
        self.root = root
        self.name = ""
        self.config: dict[str, Any] = {}
        self.configured = False
        self.max_message_bytes = _env_int(
            "GESTALT_SDK_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES
        )
        self.max_workers = _env_int("GESTALT_SDK_MAX_WORKERS", DEFAULT_MAX_WORKERS)
        # Pools are made on first use: a provider of only ``async def`` methods never
        # starts a thread, and its start-up does not import concurrent.futures.thread.
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pools_lock = threading.Lock()
        self._configure_lock = asyncio.Lock()
        self._defaults: RuntimeMetadata | None = None
        self._closed = False
        self._configure = self.to_async(hooks.configure) if hooks.configure else None
        self._health = (
            self.to_async(hooks.health_check, pool="health") if hooks.health_check else None
        )
        self._warnings = self.to_async(hooks.warnings) if hooks.warnings else None
        self._close = self.to_async(hooks.close) if hooks.close else None
        self._metadata = self.to_async(hooks.metadata) if callable(hooks.metadata) else None

    # -- dispatch -------------------------------------------------------------------------

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The bounded pool that runs plain ``def`` handlers (``max_workers`` threads)."""
        return self._pool("handler")

    def _pool(self, name: str) -> ThreadPoolExecutor:
        pool = self._pools.get(name)
        if pool is None:
            with self._pools_lock:
                pool = self._pools.get(name)
                if pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    # Health checks get two threads of their own: they never queue
                    # behind slow handlers.
                    size = {"handler": self.max_workers, "health": 2}[name]
                    pool = ThreadPoolExecutor(size, thread_name_prefix=f"gestalt-{name}")
                    self._pools[name] = pool
        return pool

    def to_async(
        self, func: Callable[P, Any], *, pool: str = "handler"
    ) -> Callable[P, Awaitable[Any]]:
        """An awaitable form of a user callable, chosen once.

        ``async def`` functions are returned as they are and run on the loop; plain
        functions run in the named pool (the handler pool by default) when awaited.
        """
        if _is_async(func):
            return func

        async def in_pool(*args: P.args, **kwargs: P.kwargs) -> Any:
            call = functools.partial(func, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._pool(pool), call)

        return in_pool

    # -- lifecycle ------------------------------------------------------------------------

    async def configure(
        self, name: str, config: struct_pb2.Struct | None, protocol_version: int
    ) -> None:
        """Run the configure hook for ``ConfigureProvider``/``StartProvider``.

        Raises:
            GestaltError: ``FAILED_PRECONDITION`` for a protocol version other than 2,
                the hook's own ``GestaltError``, or ``UNKNOWN`` "configure provider: ..."
                carrying the reason of any other exception.
        """
        if protocol_version != PROTOCOL_VERSION:
            raise FailedPreconditionError(
                f"host requested protocol version {protocol_version}, "
                f"provider requires {PROTOCOL_VERSION}"
            )
        values = struct_to_dict(config)
        async with self._configure_lock:
            if self._configure is not None:
                try:
                    await self._configure(name, values)
                except GestaltError:
                    raise
                except Exception as error:
                    log.exception("configure provider %r failed", name)
                    raise GestaltError(f"configure provider: {error}") from error
            self.name, self.config, self.configured = name, values, True

    async def metadata(self) -> RuntimeMetadata:
        """The provider's metadata: its own fields over the pyproject defaults, plus warnings."""
        if self._defaults is None:
            self._defaults = metadata_from_pyproject(self.root) if self.root else RuntimeMetadata()
        own = self.hooks.metadata
        if self._metadata is not None:
            own = await self._metadata()
        if own is not None and not isinstance(own, RuntimeMetadata):
            raise TypeError(f"metadata() returned {type(own).__name__}, not RuntimeMetadata")
        merged = (own or RuntimeMetadata()).merged_over(self._defaults)
        if self._warnings is not None:
            extra = await self._warnings()
            merged = RuntimeMetadata(
                merged.name,
                merged.display_name,
                merged.description,
                merged.version,
                merged.warnings + tuple(str(item) for item in extra or ()),
            )
        return merged

    async def health(self) -> tuple[bool, str]:
        """``(ready, message)``: ready unless the health hook raises or returns ``False``."""
        if self._health is None:
            return True, ""
        try:
            result = await self._health()
        except Exception as error:
            return False, str(error) or type(error).__name__
        if result is False:
            return False, "not ready"
        return True, result if isinstance(result, str) else ""

    async def close(self) -> None:
        """Run the close hook once (later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        if self._close is not None:
            try:
                await self._close()
            except Exception:
                log.exception("provider close() failed")

    def shutdown_pools(self) -> None:
        """Stop taking work in the pools without waiting for running handlers."""
        with self._pools_lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)


def _is_async(func: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
    return call is not None and inspect.iscoroutinefunction(call)


# -- error mapping for servicer methods ----------------------------------------------------

Context = grpc.aio.ServicerContext[Any, Any]


async def abort_for(context: Context, error: Exception, label: str) -> NoReturn:
    """End the call with the status PROTOCOL.md 2.3 gives ``error``; never returns.

    A ``GestaltError`` keeps its code and message. Anything else is a bug: the traceback
    goes to stderr and the caller sees ``UNKNOWN`` "<label>: internal error".
    """
    if isinstance(error, GestaltError):
        await context.abort(error.grpc_code, error.message)
    log.error("%s failed", label, exc_info=error)
    await context.abort(grpc.StatusCode.UNKNOWN, f"{label}: internal error")
    raise AssertionError("context.abort returned")  # it raises; keeps NoReturn honest


def unary(
    label: str,
) -> Callable[
    [Callable[[S, Req, Context], Awaitable[T]]], Callable[[S, Req, Context], Awaitable[T]]
]:
    """Decorate an async unary servicer method so every exception maps to a status."""

    def decorate(
        method: Callable[[S, Req, Context], Awaitable[T]],
    ) -> Callable[[S, Req, Context], Awaitable[T]]:
        @functools.wraps(method)
        async def guarded(self: S, request: Req, context: Context) -> T:
            try:
                return await method(self, request, context)
            except grpc.aio.AbortError:
                raise
            except Exception as error:
                await abort_for(context, error, label)

        return guarded

    return decorate


def streaming(
    label: str,
) -> Callable[
    [Callable[[S, Req, Context], AsyncIterator[T]]], Callable[[S, Req, Context], AsyncIterator[T]]
]:
    """Decorate an async server-streaming servicer method the same way as :func:`unary`."""

    def decorate(
        method: Callable[[S, Req, Context], AsyncIterator[T]],
    ) -> Callable[[S, Req, Context], AsyncIterator[T]]:
        @functools.wraps(method)
        async def guarded(self: S, request: Req, context: Context) -> AsyncIterator[T]:
            try:
                async for item in method(self, request, context):
                    yield item
            except grpc.aio.AbortError:
                raise
            except Exception as error:
                await abort_for(context, error, label)

        return guarded

    return decorate
