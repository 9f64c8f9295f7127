"""What a handler returns or raises: an explicit status and headers, raw bytes, and the
upstream-style error."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from gestalt.core import GestaltError

if TYPE_CHECKING:
    from http import HTTPStatus

T = TypeVar("T")

#: What a handler may give as response headers: a value or a list of values per name.
ResponseHeaders = Mapping[str, str | Sequence[str]]
#: Headers as the SDK keeps them: every name with its values, in order.
HeaderLists = Mapping[str, tuple[str, ...]]

_NO_HEADERS: HeaderLists = types.MappingProxyType({})
CONTENT_TYPE = "content-type"


def _check_status(status: int | None) -> None:
    if status is not None and not 100 <= int(status) <= 599:
        raise ValueError(f"HTTP status must be within 100..599, got {status!r}")


def header_lists(headers: ResponseHeaders | None) -> HeaderLists:
    """``headers`` with every value a tuple of strings (read-only).

    Raises:
        TypeError: A name is not a non-empty string, or a value is not a string or a
            sequence of strings.
    """
    if not headers:
        return _NO_HEADERS
    lists: dict[str, tuple[str, ...]] = {}
    for name, value in headers.items():
        given: object = name  # authors' code is not always type-checked
        if not isinstance(given, str) or not given:
            raise TypeError(f"a header name must be a non-empty string, got {name!r:.80}")
        values = (value,) if isinstance(value, str) else tuple(value)
        if not all(isinstance(item, str) for item in values):
            raise TypeError(f"header {name!r:.80}: values must be strings")
        lists[name] = values
    return types.MappingProxyType(lists)


def has_content_type(headers: HeaderLists) -> bool:
    """Whether ``headers`` name a content type (in any letter case)."""
    return any(name.lower() == CONTENT_TYPE for name in headers)


@dataclasses.dataclass(frozen=True, slots=True, init=False)
class Response(Generic[T]):
    """A result with a status (and, on protocol 5, headers) the handler chose.

    Attributes:
        status: The HTTP status (100-599) of the result; ``None`` means 200.
        body: The value sent as JSON: a pydantic model, a dict/list/scalar, or ``None``.
        headers: Response headers, one value or a list of values per name. Protocol 5
            hosts receive them (with ``Content-Type: application/json`` added unless
            one is given); protocol 2 has no response headers, so there they are dropped.
    """

    status: int | None
    body: T
    headers: HeaderLists

    def __init__(self, status: int | None, body: T, headers: ResponseHeaders | None = None):
        _check_status(status)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "headers", header_lists(headers))


@dataclasses.dataclass(frozen=True, slots=True, init=False)
class RawResponse:
    """Bytes sent as they are, with their own content type: for files, images, text.

    Only a protocol-5 host can carry such a result; a protocol-2 host receives a 500
    whose error says so (its wire carries UTF-8 JSON text and no headers).

    Attributes:
        body: The bytes of the result.
        content_type: Its ``Content-Type``.
        status: The HTTP status (100-599).
        headers: Other response headers, one value or a list of values per name.
    """

    body: bytes
    content_type: str
    status: int
    headers: HeaderLists

    def __init__(
        self,
        body: bytes,
        content_type: str,
        *,
        status: int = 200,
        headers: ResponseHeaders | None = None,
    ) -> None:
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError(f"RawResponse body must be bytes, got {type(body).__name__}")
        if not content_type:
            raise ValueError("RawResponse needs a content type (e.g. 'text/csv')")
        _check_status(status)
        lists = header_lists(headers)
        if has_content_type(lists):
            raise ValueError("give the content type as content_type, not also in headers")
        object.__setattr__(self, "body", bytes(body))
        object.__setattr__(self, "content_type", content_type)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "headers", lists)


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
