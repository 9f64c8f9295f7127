"""What a handler returns or raises: an explicit status, and the upstream-style error."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Generic, TypeVar

from gestalt.core import GestaltError

if TYPE_CHECKING:
    from http import HTTPStatus

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Response(Generic[T]):
    """A result with a status the handler chose.

    Attributes:
        status: The HTTP status (100-599) of the result; ``None`` means 200.
        body: The value sent as JSON: a pydantic model, a dict/list/scalar, or ``None``.
    """

    status: int | None
    body: T

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= int(self.status) <= 599:
            raise ValueError(f"HTTP status must be within 100..599, got {self.status!r}")


def ok(body: T) -> Response[T]:
    """``Response(200, body)``."""
    return Response(200, body)


#: Upstream's spelling of :func:`ok`.
OK = ok


class Error(GestaltError):
    """Fail an operation with an HTTP status and a message, as upstream's ``Error`` does.

    The result is ``{"error": message}`` with that status. Any :class:`GestaltError`
    (``NotFoundError``, ``InvalidArgumentError``, ...) works the same way; this class
    only keeps upstream's argument order.

    Args:
        status: An HTTP status, 100-599.
        message: Text for the caller; empty means the status's reason phrase. It is
            shown to callers, so never put tokens or secrets in it.
    """

    def __init__(self, status: int | HTTPStatus, message: str = "") -> None:
        super().__init__(message, status=int(status))

    @property
    def status(self) -> int:
        """The HTTP status (upstream's attribute name)."""
        return self.http_status
