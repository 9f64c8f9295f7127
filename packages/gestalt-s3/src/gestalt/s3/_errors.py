"""The S3 surface's errors: core's own classes, under their upstream names too.

``gestalt.s3.NotFoundError is gestalt.core.NotFoundError``, as in every surface. What S3
adds::

    gestalt.core.GestaltError          (also ``S3Error``: any code without a class)
    ├── NotFoundError                  (also ``S3NotFoundError``)                NOT_FOUND
    ├── FailedPreconditionError        (also ``PreconditionFailedError``,
    │   │                                ``S3PreconditionFailedError``)     FAILED_PRECONDITION
    │   └── NotBoundError
    │       └── S3NotBoundError        (client: no such binding)
    ├── OutOfRangeError                (also ``InvalidRangeError``, ``S3InvalidRangeError``)
    └── UploadAborted                  (the write stream failed: do not commit)   CANCELLED

Providers raise them to answer with that code; clients raise them for a failed call.
"""

from __future__ import annotations

import grpc

from gestalt.core import (
    FailedPreconditionError,
    GestaltError,
    NotBoundError,
    NotFoundError,
    OutOfRangeError,
)


class S3NotBoundError(NotBoundError):
    """No object store is bound to this provider under the name asked for.

    Like the cache client's ``CacheNotBoundError``: a handler that lets it escape answers
    412 and says which variable is missing.

    Attributes:
        variable: The environment variable that was not set.
    """

    service = "S3"
    config_key = "s3"


class UploadAborted(GestaltError):
    """Raised by an upload body whose stream was cancelled or broken: do not commit."""

    grpc_code = grpc.StatusCode.CANCELLED
    http_status = 499


#: Upstream's names (gestalt-sdk 0.0.1a8) for core's classes.
S3Error = GestaltError
S3NotFoundError = NotFoundError
PreconditionFailedError = S3PreconditionFailedError = FailedPreconditionError
InvalidRangeError = S3InvalidRangeError = OutOfRangeError
