"""Marking a plain ``def`` handler that never blocks, so it runs without a thread hop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

_MARK = "__gestalt_nonblocking__"


def nonblocking(func: F) -> F:
    """Declare that a ``def`` handler never blocks: the runtime calls it on its event loop.

    A plain ``def`` handler normally runs in the runtime's thread pool, because it may wait
    on I/O; the hop there and back costs more than a small handler's own work. Mark
    handlers that only compute or touch memory (an in-memory store, a lookup table) and
    they run inline instead. A marked handler that does block stalls every other call, so
    leave anything that does I/O unmarked (or write it as ``async def``).

    Overriding a marked method in a subclass drops the mark unless the override is marked.
    """
    setattr(func, _MARK, True)
    return func


def is_nonblocking(func: Callable[..., object]) -> bool:
    """Whether ``func`` (or the function behind a bound method) was marked :func:`nonblocking`."""
    return bool(getattr(func, _MARK, False))
