"""The serving process's shared state: handler dispatch, configuration, identity, health.

Server model: one ``grpc.aio`` server on one long-lived event loop. ``async def`` handlers
run on that loop, so objects made in ``configure`` stay usable; plain ``def`` handlers run
in a bounded thread pool because they may block; health checks get a pool of their own so
they never queue behind slow handlers. Which way a handler goes is decided once, when it is
adapted, never per call. docs/design.md has the measurements behind this choice.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from google.protobuf import struct_pb2

from gestalt.core._blocking import is_nonblocking
from gestalt.core._errors import FailedPreconditionError, GestaltError, status_text
from gestalt.core._hooks import Hooks
from gestalt.core._kinds import PROTOCOL_VERSION, ProviderKind
from gestalt.core._metadata import RuntimeMetadata, metadata_from_pyproject
from gestalt.core._pyproject import StrPath
from gestalt.core._structs import struct_to_dict
from gestalt.core._wire import refusal

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: Default request/response size limit of our server; gRPC's own default (4 MiB) is too
#: small for what callers pass through the host. Override with GESTALT_SDK_MAX_MESSAGE_BYTES.
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Default size of the pool that runs plain ``def`` handlers (they may block on I/O).
#: Override with GESTALT_SDK_MAX_WORKERS.
DEFAULT_MAX_WORKERS = 64
#: Health checks get threads of their own, so they never queue behind slow handlers.
HEALTH_WORKERS = 2
#: What the host sees when a health check raised something unexpected; the details go to
#: the log only (an exception's text can carry a token or a secret).
HEALTH_FAILED = "health check failed"


def env_int(name: str, default: int) -> int:
    """A positive integer setting from the environment, ``default`` when unset.

    Raises:
        ValueError: The variable is set to something that is not a positive integer.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw[:40]!r} is not an integer") from None
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be positive")
    return value


def is_async(func: Callable[..., Any]) -> bool:
    """Whether calling ``func`` gives an awaitable: an ``async def`` or an object with one."""
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
    return call is not None and inspect.iscoroutinefunction(call)


class _Pool:
    """A thread pool made on first use: a provider of only ``async def`` methods never
    starts a thread, and its start-up does not import concurrent.futures.thread."""

    def __init__(self, size: int, name: str) -> None:
        self._size, self._name = size, name
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.wanted = False  # some handler runs here: warm() starts a worker early

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._executor = ThreadPoolExecutor(
                        self._size, thread_name_prefix=f"gestalt-{self._name}"
                    )
        return self._executor

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        # The caller's contextvars travel with the call (run_in_executor alone drops them:
        # tracing and structured-logging context would vanish in ``def`` handlers).
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, context.run, func, *args)

    def warm(self) -> None:
        """Start one worker now, so the first call does not wait for a thread to start."""
        self.executor.submit(int)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


class _ThreadLock:
    """A threading lock with the ``async with`` form of ``asyncio.Lock``, for the pool model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    async def __aenter__(self) -> None:
        self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class Runtime:
    """The serving process's shared state, handed to a surface's servicer.

    Attributes:
        kind: The kind being served.
        hooks: The provider's lifecycle hooks.
        root: The provider's ROOT folder (its pyproject gives default metadata).
        name: The instance name of the last successful configure ("" before).
        config: The config of the last successful configure (``{}`` before).
        configured: Whether a configure call has succeeded.
        max_message_bytes: The server's request/response size limit.
        max_workers: The size of the pool that runs ``def`` handlers.
        inline: Whether plain ``def`` callables run where they are awaited: the
            thread-pool server model, where every call already has a thread of its own.
        protocol: The protocol version of the host being served (2 or 5), chosen at
            launch; a host asking for another is refused.
    """

    def __init__(
        self,
        kind: ProviderKind,
        hooks: Hooks,
        root: StrPath | None = None,
        *,
        inline: bool = False,
        protocol: int = PROTOCOL_VERSION,
    ) -> None:
        self.kind = kind
        self.protocol = protocol
        self.hooks = hooks
        self.root = root
        self.name = ""
        self.config: dict[str, Any] = {}
        self.configured = False
        self.max_message_bytes = env_int("GESTALT_SDK_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES)
        self.max_workers = env_int("GESTALT_SDK_MAX_WORKERS", DEFAULT_MAX_WORKERS)
        self._handlers = _Pool(self.max_workers, "handler")
        self._health_pool = _Pool(HEALTH_WORKERS, "health")
        self.inline = inline
        # The pool model calls configure from several threads and never suspends in it.
        self._configure_lock: asyncio.Lock | _ThreadLock = (
            _ThreadLock() if inline else asyncio.Lock()
        )
        self._defaults: RuntimeMetadata | None = None
        self._closed = False
        adapt = self._adapt
        self._configure = adapt(hooks.configure) if hooks.configure else None
        self._health = adapt(hooks.health_check, self._health_pool) if hooks.health_check else None
        self._warnings = adapt(hooks.warnings) if hooks.warnings else None
        self._close = adapt(hooks.close) if hooks.close else None
        self._start = adapt(hooks.start) if hooks.start else None
        self._started = False
        self._metadata = adapt(hooks.metadata) if callable(hooks.metadata) else None

    # -- dispatch -------------------------------------------------------------------------

    def to_async(self, func: Callable[P, Any]) -> Callable[P, Awaitable[Any]]:
        """An awaitable form of a user callable, chosen once.

        ``async def`` functions are returned as they are and run on the loop; plain
        functions run in the handler pool when awaited, with the caller's contextvars,
        unless marked :func:`~gestalt.core.nonblocking` (then they run on the loop).
        """
        return self._adapt(func)

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The handler pool, for a surface that needs its futures (made on first use).

        Work submitted here does not get the caller's contextvars by itself: run it in
        ``contextvars.copy_context().run``.
        """
        return self._handlers.executor

    def _adapt(self, func: Callable[P, Any], pool: _Pool | None = None) -> Callable[P, Any]:
        if is_async(func):
            return func
        if self.inline or is_nonblocking(func):

            async def inline(*args: P.args, **kwargs: P.kwargs) -> Any:
                return func(*args, **kwargs)

            return inline
        target = pool or self._handlers
        target.wanted = True

        async def in_pool(*args: P.args, **kwargs: P.kwargs) -> Any:
            return await target.run(functools.partial(func, *args, **kwargs))

        return in_pool

    # -- lifecycle ------------------------------------------------------------------------

    async def configure(
        self, name: str, config: struct_pb2.Struct | None, protocol_version: int
    ) -> None:
        """Run the configure hook for ``ConfigureProvider``/``StartProvider``.

        Raises:
            GestaltError: ``FAILED_PRECONDITION`` for a protocol version other than the
                one served, the hook's own ``GestaltError``, or ``UNKNOWN``
                "configure provider: ..." carrying the reason of any other exception.
        """
        self.check_protocol(protocol_version)
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

    def check_protocol(self, requested: int) -> None:
        """Refuse a host whose protocol version is not the one being served.

        Raises:
            FailedPreconditionError: Naming the version asked for and those served.
        """
        if requested != self.protocol:
            raise FailedPreconditionError(refusal(requested, self.protocol))

    async def start(self) -> None:
        """Run the start hook, once: the host may retry ``StartProvider`` after a
        transient failure, and a provider's workers must not start twice.

        Raises:
            GestaltError: The hook's own, or ``UNKNOWN`` "start provider: ..." for any other
                exception (the hook may be retried then).
        """
        if self._start is None:
            return
        async with self._configure_lock:
            if self._started:
                return
            try:
                await self._start()
            except GestaltError:
                raise
            except Exception as error:
                log.exception("provider start() failed")
                raise GestaltError(f"start provider: {error}") from error
            self._started = True

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
        """``(ready, message)``: ready unless the health hook raises or returns ``False``.

        A :class:`GestaltError` from the hook is shown with its message; any other
        exception is logged and answered with the fixed :data:`HEALTH_FAILED`.
        """
        if self._health is None:
            return True, ""
        try:
            result = await self._health()
        except GestaltError as error:
            return False, status_text(error.message)
        except Exception:
            log.exception("health check raised")
            return False, HEALTH_FAILED
        if result is False:
            return False, "not ready"
        return True, status_text(result) if isinstance(result, str) else ""

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

    def warm_pools(self) -> None:
        """Start a worker in each pool a ``def`` handler or hook will run in.

        Called once the socket is up: a thread takes 1-5 ms to start on a busy machine,
        which the first ``def`` call would otherwise wait for.
        """
        for pool in (self._handlers, self._health_pool):
            if pool.wanted:
                pool.warm()

    def shutdown_pools(self) -> None:
        """Stop taking work in the pools without waiting for running handlers."""
        self._handlers.shutdown()
        self._health_pool.shutdown()
