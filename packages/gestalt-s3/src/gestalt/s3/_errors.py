"""The S3 surface's errors, each a core error too, so one ``except`` works everywhere.

::

    gestalt.core.GestaltError
    └── S3Error                                   any other code (INTERNAL, CANCELLED, ...)
        ├── NotFoundError          (core NotFoundError)            NOT_FOUND
        ├── PreconditionFailedError (core FailedPreconditionError)  FAILED_PRECONDITION
        ├── InvalidRangeError      (core OutOfRangeError)          OUT_OF_RANGE
        ├── InvalidArgumentError   (core InvalidArgumentError)     INVALID_ARGUMENT
        ├── PermissionDeniedError  (core PermissionDeniedError)    PERMISSION_DENIED
        ├── UnimplementedError     (core UnimplementedError)       UNIMPLEMENTED
        ├── S3NotBoundError        (core NotBoundError)            (client: no such binding)
        └── UploadAborted                                          (the write stream failed)

Providers raise them to answer with that code; clients raise them for a failed call.
"""

from __future__ import annotations

import grpc

from gestalt.core import (
    FailedPreconditionError,
    GestaltError,
    NotBoundError,
    OutOfRangeError,
    http_status_for_grpc,
)
from gestalt.core import InvalidArgumentError as _CoreInvalidArgument
from gestalt.core import NotFoundError as _CoreNotFound
from gestalt.core import PermissionDeniedError as _CorePermissionDenied
from gestalt.core import UnimplementedError as _CoreUnimplemented


class S3Error(GestaltError):
    """Base of the S3 errors; on its own it stands for a code with no class of its own."""


class NotFoundError(S3Error, _CoreNotFound):
    """The object, bucket or version does not exist (NOT_FOUND)."""


class PreconditionFailedError(S3Error, FailedPreconditionError):
    """A condition failed, "not modified" included (FAILED_PRECONDITION)."""


class InvalidRangeError(S3Error, OutOfRangeError):
    """The byte range is invalid for the object (OUT_OF_RANGE)."""


class InvalidArgumentError(S3Error, _CoreInvalidArgument):
    """The request is malformed (INVALID_ARGUMENT)."""


class PermissionDeniedError(S3Error, _CorePermissionDenied):
    """The backend refused access (PERMISSION_DENIED)."""


class UnimplementedError(S3Error, _CoreUnimplemented):
    """The backend cannot do this (UNIMPLEMENTED)."""


class S3NotBoundError(S3Error, NotBoundError):
    """No object store is bound to this provider under the name asked for.

    Like the cache client's ``CacheNotBoundError``: a handler that lets it escape answers
    412 and says which variable is missing.

    Attributes:
        variable: The environment variable that was not set.
    """

    service = "S3"
    config_key = "s3"


class UploadAborted(S3Error):
    """Raised by an upload body whose stream was cancelled or broken: do not commit."""

    grpc_code = grpc.StatusCode.CANCELLED
    http_status = 499


#: The most characters of one input (a key, a bucket name) a status message repeats.
ECHO_LIMIT = 256


def bounded(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how much was cut.

    The host drops a status whose message is over 16 KiB, so input is never echoed
    whole. (Stand-in for core's shared helper; this is its only definition here.)
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...[{len(text) - limit} more characters]"


#: Names of gestalt-sdk 0.0.1a8.
S3NotFoundError = NotFoundError
S3PreconditionFailedError = PreconditionFailedError
S3InvalidRangeError = InvalidRangeError

_BY_CODE: dict[grpc.StatusCode, type[S3Error]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.FAILED_PRECONDITION: PreconditionFailedError,
    grpc.StatusCode.OUT_OF_RANGE: InvalidRangeError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
}


def error_from_rpc(error: grpc.RpcError) -> S3Error:
    """The typed error for a failed call (codes without a class: :class:`S3Error`)."""
    code_of = getattr(error, "code", None)
    details_of = getattr(error, "details", None)
    code = code_of() if callable(code_of) else grpc.StatusCode.UNKNOWN
    message = (details_of() if callable(details_of) else "") or str(code.name).lower()
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls(message)
    result = S3Error(message, status=http_status_for_grpc(code))
    result.grpc_code = code
    return result
