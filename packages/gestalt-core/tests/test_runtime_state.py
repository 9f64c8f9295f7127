"""Runtime: handler dispatch (contextvars travel into the pool), health and configure."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from gestalt.core import (
    FailedPreconditionError,
    GestaltError,
    ProviderKind,
    UnavailableError,
    nonblocking,
)
from gestalt.core.serving import Hooks, Runtime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def test_def_handlers_run_in_the_pool_with_the_callers_contextvars() -> None:
    def handler(suffix: str) -> tuple[str, str]:
        return request_id.get() + suffix, threading.current_thread().name

    async def main() -> tuple[str, str]:
        runtime = Runtime(ProviderKind.CACHE, Hooks())
        request_id.set("req-42")
        try:
            return await runtime.to_async(handler)("!")  # type: ignore[no-any-return]
        finally:
            runtime.shutdown_pools()

    value, thread = asyncio.run(main())
    assert value == "req-42!"
    assert thread.startswith("gestalt-handler")


def test_async_handlers_are_returned_as_they_are() -> None:
    async def handler() -> str:
        return "on the loop"

    assert Runtime(ProviderKind.CACHE, Hooks()).to_async(handler) is handler


@pytest.mark.parametrize(
    ("raised", "answer"),
    [
        (RuntimeError("db password=hunter2"), (False, "health check failed")),
        (UnavailableError("warming up"), (False, "warming up")),
    ],
)
def test_health_shows_only_what_the_author_wrote(
    raised: Exception, answer: tuple[bool, str], caplog: pytest.LogCaptureFixture
) -> None:
    def check() -> None:
        raise raised

    runtime = Runtime(ProviderKind.CACHE, Hooks(health_check=check))
    try:
        assert asyncio.run(runtime.health()) == answer
    finally:
        runtime.shutdown_pools()
    if not isinstance(raised, GestaltError):
        assert "hunter2" in caplog.text  # the details go to the provider's own log only


def test_configure_refuses_other_protocol_versions() -> None:
    runtime = Runtime(ProviderKind.CACHE, Hooks())
    with pytest.raises(FailedPreconditionError, match="protocol version 3"):
        asyncio.run(runtime.configure("x", None, 3))
    assert not runtime.configured


def test_nonblocking_def_handlers_run_on_the_loop() -> None:
    @nonblocking
    def handler() -> str:
        return threading.current_thread().name

    async def main() -> str:
        return await Runtime(ProviderKind.CACHE, Hooks()).to_async(handler)()  # type: ignore[no-any-return]

    assert asyncio.run(main()) == threading.main_thread().name
