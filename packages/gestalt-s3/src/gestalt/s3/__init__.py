"""Write Gestalt S3 providers, and use the host's object store from an integration.

Providers: subclass (or just shape an object like) :class:`S3Provider`; the SDK owns the
wire (frames, 64 KiB chunks, error codes) and hands bodies over as streams of chunks.
:class:`MemoryS3` is an in-memory reference provider; :func:`boto3_provider` builds the
ready boto3-backed one (``pip install gestalt-s3[boto3]``).

Clients: :class:`S3` and :class:`AsyncS3` talk to the host's object store with an
object-centred API: ``s3.object(key)`` on a protocol-5 host (``GESTALT_HOST_SERVICE_SOCKET``,
one store per binding), ``s3.object(bucket, key)`` on a protocol-2 host
(``GESTALT_S3_SOCKET[_<BINDING>]``).
"""

from typing import TYPE_CHECKING

from gestalt.core import (
    AlreadyExistsError,
    FailedPreconditionError,
    GestaltError,
    InternalError,
    InvalidArgumentError,
    NotBoundError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    RuntimeMetadata,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from gestalt.core.serving import lazy_attributes
from gestalt.s3._version import __version__

if TYPE_CHECKING:
    from gestalt.s3._boto3 import boto3_provider
    from gestalt.s3._client import (
        ENV_S3_SOCKET,
        S3,
        AsyncObjectReader,
        AsyncS3,
        AsyncS3Object,
        ObjectBody,
        ObjectReader,
        S3Object,
        s3_socket_env,
    )
    from gestalt.s3._conditions import check_read_conditions, check_write_conditions, resolve_range
    from gestalt.s3._errors import (
        InvalidRangeError,
        PreconditionFailedError,
        S3Error,
        S3InvalidRangeError,
        S3NotBoundError,
        S3NotFoundError,
        S3PreconditionFailedError,
        UploadAborted,
    )
    from gestalt.s3._memory import MemoryS3
    from gestalt.s3._provider import Chunks, S3Provider
    from gestalt.s3._types import (
        ByteRange,
        CopyOptions,
        ListOptions,
        ListPage,
        ObjectMeta,
        ObjectRef,
        PresignMethod,
        PresignOptions,
        PresignResult,
        ReadOptions,
        WriteOptions,
    )
    from gestalt.s3._upload import UploadBody

__all__ = [
    "ENV_S3_SOCKET",
    "S3",
    "AlreadyExistsError",
    "AsyncObjectReader",
    "AsyncS3",
    "AsyncS3Object",
    "ByteRange",
    "Chunks",
    "CopyOptions",
    "FailedPreconditionError",
    "GestaltError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidRangeError",
    "ListOptions",
    "ListPage",
    "MemoryS3",
    "NotBoundError",
    "NotFoundError",
    "ObjectBody",
    "ObjectMeta",
    "ObjectReader",
    "ObjectRef",
    "OutOfRangeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "PresignMethod",
    "PresignOptions",
    "PresignResult",
    "ReadOptions",
    "RuntimeMetadata",
    "S3Error",
    "S3InvalidRangeError",
    "S3NotBoundError",
    "S3NotFoundError",
    "S3Object",
    "S3PreconditionFailedError",
    "S3Provider",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UploadAborted",
    "UploadBody",
    "WriteOptions",
    "__version__",
    "boto3_provider",
    "check_read_conditions",
    "check_write_conditions",
    "resolve_range",
    "s3_socket_env",
]

# Where each lazily imported name lives; the runtime's start path imports only what it
# uses (gestalt.core._lazy says why).
_ORIGINS = {
    "boto3_provider": "._boto3",
    "AsyncObjectReader": "._client",
    "AsyncS3": "._client",
    "AsyncS3Object": "._client",
    "ENV_S3_SOCKET": "._client",
    "ObjectBody": "._client",
    "ObjectReader": "._client",
    "S3": "._client",
    "S3Object": "._client",
    "s3_socket_env": "._client",
    "check_read_conditions": "._conditions",
    "check_write_conditions": "._conditions",
    "resolve_range": "._conditions",
    "InvalidRangeError": "._errors",
    "PreconditionFailedError": "._errors",
    "S3Error": "._errors",
    "S3InvalidRangeError": "._errors",
    "S3NotBoundError": "._errors",
    "S3NotFoundError": "._errors",
    "S3PreconditionFailedError": "._errors",
    "UploadAborted": "._errors",
    "MemoryS3": "._memory",
    "Chunks": "._provider",
    "S3Provider": "._provider",
    "UploadBody": "._upload",
    "ByteRange": "._types",
    "CopyOptions": "._types",
    "ListOptions": "._types",
    "ListPage": "._types",
    "ObjectMeta": "._types",
    "ObjectRef": "._types",
    "PresignMethod": "._types",
    "PresignOptions": "._types",
    "PresignResult": "._types",
    "ReadOptions": "._types",
    "WriteOptions": "._types",
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)
