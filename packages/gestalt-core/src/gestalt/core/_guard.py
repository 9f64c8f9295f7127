"""The one mapping from a servicer method's exceptions to a gRPC status.

Every surface's servicer methods are wrapped by :func:`guard`, so the policy (which status
an error gets, what is shown, what is logged) lives here once. Two settings vary by
surface: the code of an unexpected exception (``UNKNOWN`` for most services, ``INTERNAL``
where the wire says so) and whether its text may reach the log (auth and secrets handle
tokens and secret values, so they log the type and frames only).
"""

from __future__ import annotations

import functools
import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

import grpc
import grpc.aio

from gestalt.core._errors import GestaltError, status_text

log = logging.getLogger(__name__)

#: The context every servicer method receives.
Context = grpc.aio.ServicerContext[Any, Any]

F = TypeVar("F", bound=Callable[..., Any])


async def abort(
    context: Context,
    error: BaseException,
    label: str,
    *,
    unexpected: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
    redact: bool = False,
) -> NoReturn:
    """End the call with the status for ``error``; never returns.

    A :class:`GestaltError` keeps its code and message (cut to what the host reads).
    Anything else is a bug: the caller sees ``unexpected`` with "<label>: internal error"
    and the log gets the traceback (with ``redact``, the type and frames only).
    """
    if isinstance(error, GestaltError):
        await context.abort(error.grpc_code, status_text(error.message))
    if redact:
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error(
            "%s failed with %s (message withheld: it may hold a secret or token)\n%s",
            label,
            type(error).__name__,
            frames,
        )
    else:
        log.error("%s failed", label, exc_info=error)
    await context.abort(unexpected, f"{label}: internal error")
    raise AssertionError("context.abort returned")  # it raises; keeps NoReturn honest


def guard(
    label: str,
    *,
    unexpected: grpc.StatusCode = grpc.StatusCode.UNKNOWN,
    redact: bool = False,
) -> Callable[[F], F]:
    """Decorate an ``async`` servicer method so that every exception maps to a status.

    Works for unary and streaming methods alike (an ``async def`` that returns, or one
    that yields). The server keeps serving whatever the method raised.

    Args:
        label: What the rpc does, for the log and the generic message ("cache get").
        unexpected: The code of an exception that is not a :class:`GestaltError`.
        redact: Log only the type and frames of unexpected exceptions, never their text.
    """

    def decorate(method: F) -> F:
        if inspect.isasyncgenfunction(method):

            @functools.wraps(method)
            async def streaming(*args: Any) -> Any:
                try:
                    async for item in method(*args):
                        yield item
                except grpc.aio.AbortError:
                    raise
                except Exception as error:
                    await abort(args[-1], error, label, unexpected=unexpected, redact=redact)

            return cast(F, streaming)

        @functools.wraps(method)
        async def unary(*args: Any) -> Any:
            try:
                return await method(*args)
            except grpc.aio.AbortError:
                raise
            except Exception as error:
                await abort(args[-1], error, label, unexpected=unexpected, redact=redact)

        return cast(F, unary)

    return decorate
