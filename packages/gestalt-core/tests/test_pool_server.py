"""The thread-pool server model: which providers get it, and its elastic pool."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import wait

import pytest

from gestalt._runtime import _pool_server as pool_server
from gestalt._runtime._launch import LaunchError
from gestalt._runtime._pool_server import CORE_THREADS, ElasticPool
from gestalt._runtime._process import server_model
from gestalt.core.serving import Hooks, LoadedProvider


def _sync() -> None: ...


async def _async() -> None: ...


def _loaded(
    *handlers: Callable[..., object], unary: bool = True, hooks: Hooks | None = None
) -> LoadedProvider:
    return LoadedProvider(
        object(),
        hooks or Hooks(),
        lambda server, runtime: None,
        None,
        handlers,
        unary,
    )


@pytest.mark.parametrize(
    ("loaded", "model"),
    [
        (_loaded(_sync, _sync), "pool"),
        (_loaded(_sync, _async), "aio"),
        (_loaded(_sync, unary=False), "aio"),  # streams need grpc.aio
        (_loaded(_sync, hooks=Hooks(health_check=_async)), "aio"),
        (_loaded(), "pool"),
    ],
)
def test_pool_only_when_everything_is_plain_def(
    loaded: LoadedProvider, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GESTALT_SDK_SERVER_MODEL", raising=False)
    assert server_model(loaded) == model


def test_the_variable_chooses_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTALT_SDK_SERVER_MODEL", "aio")
    assert server_model(_loaded(_sync)) == "aio"
    monkeypatch.setenv("GESTALT_SDK_SERVER_MODEL", "pool")
    with pytest.raises(LaunchError, match="needs a unary surface"):
        server_model(_loaded(_async))
    monkeypatch.setenv("GESTALT_SDK_SERVER_MODEL", "threads")
    with pytest.raises(LaunchError, match="use 'aio' or 'pool'"):
        server_model(_loaded(_sync))


def test_calls_that_compute_stay_on_the_core_threads() -> None:
    # Threads waiting for the GIL make no progress either, but the process is busy: the
    # pool must not mistake them for blocked ones.
    pool = ElasticPool(64, "t-compute")
    try:
        names: set[str] = set()

        def compute() -> None:
            sum(range(2000))
            names.add(threading.current_thread().name)

        wait([pool.submit(compute) for _ in range(20000)])
        assert len(names) <= CORE_THREADS
    finally:
        pool.shutdown()


def test_blocked_threads_make_room_for_the_backlog() -> None:
    pool = ElasticPool(64, "t-block")
    try:
        started = time.monotonic()
        wait([pool.submit(time.sleep, 0.2) for _ in range(64)])
        elapsed = time.monotonic() - started
        # On CORE_THREADS threads alone this takes 16 rounds (3.2 s).
        assert elapsed < 1.0, elapsed
    finally:
        pool.shutdown()


def test_added_threads_end_when_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_server, "EXTRA_IDLE_SECONDS", 0.1)
    pool = ElasticPool(16, "t-idle")
    try:
        wait([pool.submit(time.sleep, 0.1) for _ in range(16)])
        assert _threads("t-idle_") > CORE_THREADS
        deadline = time.monotonic() + 5
        while _threads("t-idle_") > CORE_THREADS and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _threads("t-idle_") == CORE_THREADS
    finally:
        pool.shutdown()


def test_errors_and_cancellation_reach_the_futures() -> None:
    pool = ElasticPool(4, "t-errors")
    try:
        failed = pool.submit(int, "x")
        with pytest.raises(ValueError, match="invalid literal"):
            failed.result(timeout=5)
        assert pool.submit(sum, [1, 2]).result(timeout=5) == 3
    finally:
        pool.shutdown(cancel_futures=True)


def _threads(prefix: str) -> int:
    return sum(thread.name.startswith(prefix) for thread in threading.enumerate())
