"""One error hierarchy for every surface, and the one table that maps it to the wire.

::

    GestaltError                    HTTP 500  UNKNOWN   (base; any status can be given)
    ├── InvalidArgumentError        HTTP 400  INVALID_ARGUMENT
    ├── UnauthenticatedError        HTTP 401  UNAUTHENTICATED
    ├── PermissionDeniedError       HTTP 403  PERMISSION_DENIED
    ├── NotFoundError               HTTP 404  NOT_FOUND
    ├── AlreadyExistsError          HTTP 409  ALREADY_EXISTS
    ├── FailedPreconditionError     HTTP 412  FAILED_PRECONDITION
    │   └── NotBoundError                         (a client: no such host binding)
    ├── OutOfRangeError             HTTP 416  OUT_OF_RANGE
    ├── InternalError               HTTP 500  INTERNAL
    ├── UnimplementedError          HTTP 501  UNIMPLEMENTED
    └── UnavailableError            HTTP 503  UNAVAILABLE

An error's message is shown to the caller, so it must be safe to show: never put tokens,
secrets or credentials in it. Any exception that is not a ``GestaltError`` is treated as a
bug: the caller sees a fixed generic text and the traceback goes to stderr only.
"""

from __future__ import annotations

import grpc

#: How much of a caller's input (a key, a name) an error message may quote.
QUOTE_CHARS = 200
#: The most status text the SDK sends: the host drops a reply whose status metadata is
#: over 16 KiB, and gRPC percent-encodes non-ASCII bytes (up to 3x), so 4 KiB is safe.
MAX_STATUS_BYTES = 4096
_CUT = "...[cut]"


def bounded(text: object, limit: int = QUOTE_CHARS) -> str:
    """``text`` as a string of at most ``limit`` characters, marked where it was cut.

    Use it wherever an error message quotes what a caller sent (a key, a name, a path):
    the message then stays small whatever the input was.
    """
    value = text if isinstance(text, str) else str(text)
    if len(value) <= limit:
        return value
    return value[: max(0, limit - len(_CUT))] + _CUT


def status_text(message: str) -> str:
    """``message`` cut to :data:`MAX_STATUS_BYTES` of UTF-8, marked where it was cut."""
    encoded = message.encode("utf-8", "replace")
    if len(encoded) <= MAX_STATUS_BYTES:
        return message
    head = encoded[: MAX_STATUS_BYTES - len(_CUT)].decode("utf-8", "ignore")
    return head + _CUT


# HTTP status -> gRPC code, for errors raised with an explicit HTTP status. Integration
# results carry the HTTP status; every other surface answers with the gRPC code.
_HTTP_TO_GRPC: dict[int, grpc.StatusCode] = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ALREADY_EXISTS,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    416: grpc.StatusCode.OUT_OF_RANGE,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
_GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {code: status for status, code in _HTTP_TO_GRPC.items()}
_GRPC_TO_HTTP[grpc.StatusCode.INTERNAL] = 500
_GRPC_TO_HTTP[grpc.StatusCode.UNKNOWN] = 500


def grpc_code_for_http(status: int) -> grpc.StatusCode:
    """The gRPC code that stands for an HTTP status (other 4xx: INVALID_ARGUMENT, 5xx: UNKNOWN)."""
    code = _HTTP_TO_GRPC.get(status)
    if code is not None:
        return code
    return grpc.StatusCode.INVALID_ARGUMENT if 400 <= status < 500 else grpc.StatusCode.UNKNOWN


def http_status_for_grpc(code: grpc.StatusCode) -> int:
    """The HTTP status that stands for a gRPC code (unlisted codes: 500)."""
    return _GRPC_TO_HTTP.get(code, 500)


class GestaltError(Exception):
    """Base of every error the SDK maps to the wire; raise it to fail a call on purpose.

    Args:
        message: Text for the caller. Empty means the HTTP reason phrase of the status.
        status: An HTTP status (100-599) that overrides the class's own; the gRPC code
            follows from it.

    Attributes:
        message: The caller-facing text.
        http_status: The HTTP status an integration result carries.
        grpc_code: The gRPC status code the other surfaces answer with.
    """

    http_status: int = 500
    grpc_code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        if status is not None:
            if not 100 <= int(status) <= 599:
                raise ValueError(f"HTTP status must be within 100..599, got {status!r}")
            self.http_status = int(status)
            self.grpc_code = grpc_code_for_http(self.http_status)
        if not message:
            from http import HTTPStatus  # only for an empty message; keeps start-up lean

            try:
                message = HTTPStatus(self.http_status).phrase
            except ValueError:
                message = "error"
        self.message = message
        super().__init__(message)


class InvalidArgumentError(GestaltError):
    """The request is malformed (HTTP 400, INVALID_ARGUMENT)."""

    http_status = 400
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT


class UnauthenticatedError(GestaltError):
    """The caller is not authenticated (HTTP 401, UNAUTHENTICATED)."""

    http_status = 401
    grpc_code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(GestaltError):
    """The caller or the provider may not do this (HTTP 403, PERMISSION_DENIED)."""

    http_status = 403
    grpc_code = grpc.StatusCode.PERMISSION_DENIED


class NotFoundError(GestaltError):
    """The named thing does not exist (HTTP 404, NOT_FOUND)."""

    http_status = 404
    grpc_code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(GestaltError):
    """The thing to create exists already (HTTP 409, ALREADY_EXISTS)."""

    http_status = 409
    grpc_code = grpc.StatusCode.ALREADY_EXISTS


class FailedPreconditionError(GestaltError):
    """A condition of the request does not hold (HTTP 412, FAILED_PRECONDITION)."""

    http_status = 412
    grpc_code = grpc.StatusCode.FAILED_PRECONDITION


class NotBoundError(FailedPreconditionError, RuntimeError):
    """The host bound no service of this kind to the provider under the name asked for.

    Raised by the clients of host services (the host's cache, its object store) when the
    binding's socket variable is not set; each surface subclasses it with its words.

    Attributes:
        variable: The environment variable that was not set.
    """

    service = "host service"  # in the message: "a single <service> binding"
    config_key = ""  # the provider config's list of bindings: "<config_key>: [...]"

    def __init__(self, variable: str, name: str | None) -> None:
        which = f"{self.service} binding {name!r}" if name else f"a single {self.service} binding"
        super().__init__(
            f"{variable} is not set: the host binds {which} only when the provider's "
            f"config lists it under {self.config_key or self.service}: [...] (and the "
            "unsuffixed variable only when there is exactly one binding; a protocol-5 "
            "host sets GESTALT_HOST_SERVICE_SOCKET instead)"
        )
        self.variable = variable


class OutOfRangeError(GestaltError):
    """A range or offset lies outside what exists (HTTP 416, OUT_OF_RANGE)."""

    http_status = 416
    grpc_code = grpc.StatusCode.OUT_OF_RANGE


class InternalError(GestaltError):
    """An invariant broke (HTTP 500, INTERNAL)."""

    http_status = 500
    grpc_code = grpc.StatusCode.INTERNAL


class UnimplementedError(GestaltError):
    """This provider does not offer the capability (HTTP 501, UNIMPLEMENTED)."""

    http_status = 501
    grpc_code = grpc.StatusCode.UNIMPLEMENTED


class UnavailableError(GestaltError):
    """A dependency is down; the caller may retry (HTTP 503, UNAVAILABLE)."""

    http_status = 503
    grpc_code = grpc.StatusCode.UNAVAILABLE


_BY_CODE: dict[grpc.StatusCode, type[GestaltError]] = {
    cls.grpc_code: cls
    for cls in (
        InvalidArgumentError,
        UnauthenticatedError,
        PermissionDeniedError,
        NotFoundError,
        AlreadyExistsError,
        FailedPreconditionError,
        OutOfRangeError,
        InternalError,
        UnimplementedError,
        UnavailableError,
    )
}


def error_for_grpc(code: grpc.StatusCode, message: str) -> GestaltError:
    """The ``GestaltError`` a client raises for a failed call (unlisted codes: the base class)."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls(message)
    error = GestaltError(message, status=http_status_for_grpc(code))
    error.grpc_code = code
    return error
