"""Serve a loaded provider on the host's Unix socket until SIGTERM/SIGINT or host death,
and decide how the process ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import stat
import threading
import time
from typing import Any

import grpc
import grpc.aio

from gestalt._runtime._launch import Launch, LaunchError
from gestalt._runtime._pool_server import PoolServer
from gestalt.core._kinds import ProviderKind
from gestalt.core._lifecycle import add_lifecycle
from gestalt.core._serving import Runtime, is_async
from gestalt.core._surface import LoadedProvider
from gestalt.core._wire import HOST_VARIABLES

log = logging.getLogger(__name__)

# The host SIGKILLs 2 s after SIGTERM (HOST.md 8.1). In-flight calls get 1 s to finish,
# the close hook up to 0.5 s, which leaves room for interpreter teardown.
DRAIN_SECONDS = 1.0
CLOSE_SECONDS = 0.5
# Go and Rust SDKs poll every 500 ms; twice as often costs nothing measurable.
PARENT_POLL_SECONDS = 0.25
# Linux's sockaddr_un.sun_path, terminating NUL included.
_SUN_PATH_BYTES = 108


def clear_stale_socket(path: str, variable: str) -> None:
    """Remove a leftover socket at ``path``; refuse to delete anything that is not a socket."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise LaunchError(f"{variable} {path!r} exists and is not a socket; refusing to delete it")
    os.unlink(path)


def _private_name(socket_path: str) -> str:
    """A name beside ``socket_path`` to bind first (the path itself if the name would not
    fit in a Unix socket address)."""
    name = f"{socket_path}.{os.getpid()}.binding"
    return name if len(os.fsencode(name)) < _SUN_PATH_BYTES else socket_path


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            # the state letter follows the parenthesised command name
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


async def watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    """Set ``stop`` when the host is gone.

    The immediate parent is not always the host (a PyInstaller bootloader sits between), so
    host death is either the pid named by the host disappearing or our parent changing.
    """
    first_parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != first_parent or not pid_alive(parent_pid):
            log.warning("host process %d is gone; shutting down", parent_pid)
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PARENT_POLL_SECONDS)


def serve(launch: Launch, kind: ProviderKind, loaded: LoadedProvider) -> int:
    """Serve until a stop signal or host death; returns the exit status (or exits).

    Raises:
        LaunchError: The socket cannot be served on.
    """
    asyncio.run(_serve(loaded, kind, launch))
    if _handlers_still_running(time.monotonic() + 0.2):
        # A blocking handler outlived the drain; interpreter exit would wait for it and
        # the host would SIGKILL us. Leave now.
        logging.shutdown()
        os._exit(0)
    return 0


_MODEL_WORDS = {"pool": "thread-pool (every handler is plain def)", "aio": "grpc.aio"}


def server_model(loaded: LoadedProvider) -> str:
    """``"pool"`` when every provider callable is a plain ``def`` on a unary service,
    else ``"aio"``; ``GESTALT_SDK_SERVER_MODEL`` (``aio``/``pool``) overrides.

    Raises:
        LaunchError: The variable asks for what cannot serve this provider.
    """
    hooks = loaded.hooks
    callables = [*loaded.handlers, hooks.configure, hooks.health_check, hooks.warnings]
    callables += [hooks.close, hooks.metadata if callable(hooks.metadata) else None]
    eligible = loaded.unary and not any(f is not None and is_async(f) for f in callables)
    wanted = os.environ.get("GESTALT_SDK_SERVER_MODEL", "").strip()
    if wanted not in ("", "aio", "pool"):
        raise LaunchError(f"GESTALT_SDK_SERVER_MODEL={wanted[:40]!r}: use 'aio' or 'pool'")
    if wanted == "pool" and not eligible:
        raise LaunchError(
            "GESTALT_SDK_SERVER_MODEL=pool needs a unary surface whose provider methods "
            "and hooks are all plain def; this provider has async def ones or streams"
        )
    return wanted or ("pool" if eligible else "aio")


async def _serve(loaded: LoadedProvider, kind: ProviderKind, launch: Launch) -> None:
    """Serve until a stop signal or host death, then drain, close and remove the socket."""
    model = server_model(loaded)
    log.info(
        "serving %s on the %s server model (protocol %d)",
        kind.value,
        _MODEL_WORDS[model],
        launch.protocol,
    )
    runtime = Runtime(
        kind, loaded.hooks, launch.root, inline=model == "pool", protocol=launch.protocol
    )
    server = _server(model, runtime)
    loaded.register(server, runtime)  # type: ignore[arg-type]
    add_lifecycle(server, runtime)  # type: ignore[arg-type]
    socket_path, parent_pid = launch.socket_path, launch.parent_pid
    # Signal handlers go in before the socket exists: the host may answer its start-up
    # calls and send SIGTERM while ``server.start()`` is still being awaited.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)  # repeated signals are harmless
    variable = HOST_VARIABLES[launch.protocol].socket
    if launch.tcp_address:
        await _start_on_tcp(server, launch.tcp_address, variable)
    else:
        await _start_on(server, socket_path, variable)
    watcher = asyncio.create_task(watch_parent(parent_pid, stop)) if parent_pid else None
    runtime.warm_pools()  # serving now: the first `def` call need not start a thread
    try:
        await stop.wait()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Stopping already: a repeated signal (the host's SIGTERM after a Ctrl-C) must
            # not kill the drain or the teardown with the default action.
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_IGN)
    finally:
        if watcher is not None:
            watcher.cancel()
        await server.stop(DRAIN_SECONDS)
        try:
            await asyncio.wait_for(runtime.close(), CLOSE_SECONDS)
        except TimeoutError:
            log.warning("provider close() took longer than %.1f s; not waiting", CLOSE_SECONDS)
        if socket_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(socket_path)
        runtime.shutdown_pools()


def _server(model: str, runtime: Runtime) -> grpc.aio.Server | PoolServer:
    """The server of ``model``, with the runtime's message limits."""
    limit = runtime.max_message_bytes
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", limit),
        ("grpc.max_send_message_length", limit),
        ("grpc.so_reuseport", 0),
    ]
    if model == "pool":
        return PoolServer(options, runtime.max_workers)
    return grpc.aio.server(options=options)


async def _start_on_tcp(server: grpc.aio.Server | PoolServer, address: str, variable: str) -> None:
    """Start ``server`` on ``HOST:PORT`` (a protocol-5 host's ``tcp://`` endpoint).

    Raises:
        LaunchError: The address cannot be listened on.
    """
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as error:
        raise LaunchError(f"cannot listen on {variable} tcp://{address}: {error}") from None
    if port == 0:  # grpc reports some failures as port 0 rather than raising
        raise LaunchError(f"cannot listen on {variable} tcp://{address}")
    await server.start()


async def _start_on(server: grpc.aio.Server | PoolServer, socket_path: str, variable: str) -> None:
    """Start ``server`` and only then give its socket ``socket_path``.

    The host connects as soon as the path exists and, for most kinds, treats a refused
    first call as a failed start; a bound socket refuses until the server has started.
    So the socket is bound under a private name and renamed once it serves.

    Raises:
        LaunchError: The socket cannot be bound.
    """
    clear_stale_socket(socket_path, variable)
    binding = _private_name(socket_path)
    clear_stale_socket(binding, variable)
    try:
        server.add_insecure_port(f"unix:{binding}")
    except RuntimeError as error:
        raise LaunchError(f"cannot listen on {variable} {socket_path!r}: {error}") from None
    try:
        await server.start()
        if binding != socket_path:
            os.rename(binding, socket_path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(binding)
        raise


def _handlers_still_running(deadline: float) -> bool:
    """Whether sync handler threads are still busy after waiting until ``deadline``."""
    for thread in threading.enumerate():
        if thread.name.startswith("gestalt-"):
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return True
    return False
