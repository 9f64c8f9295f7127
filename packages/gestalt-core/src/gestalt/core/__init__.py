"""The shared core of the Gestalt Python SDK: what a provider author imports from it.

Every surface (``gestalt.integration``, ``gestalt.cache``, ...) re-exports these errors, so
``gestalt.cache.NotFoundError is gestalt.core.NotFoundError``. Raise them to fail a call on
purpose; their message is shown to the caller. :class:`RuntimeMetadata` describes a
provider to the host. What surface distributions build on lives in
:mod:`gestalt.core.serving`; the host emulator in :mod:`gestalt.core.testing`; the
generated wire types in :mod:`gestalt.provider.v1` (protocol 2) and
:mod:`gestalt.provider.v5` (protocol 5).
"""

from gestalt.core._namespace import check_namespace

check_namespace()  # before anything loads the wire descriptors: say why, not "duplicate file"

from gestalt.core._blocking import nonblocking  # noqa: E402
from gestalt.core._errors import (  # noqa: E402
    AlreadyExistsError,
    FailedPreconditionError,
    GestaltError,
    InternalError,
    InvalidArgumentError,
    NotBoundError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from gestalt.core._kinds import PROTOCOL_VERSION, PROTOCOL_VERSIONS, ProviderKind  # noqa: E402
from gestalt.core._metadata import RuntimeMetadata  # noqa: E402
from gestalt.core._version import __version__  # noqa: E402

__all__ = [
    "PROTOCOL_VERSION",
    "PROTOCOL_VERSIONS",
    "AlreadyExistsError",
    "FailedPreconditionError",
    "GestaltError",
    "InternalError",
    "InvalidArgumentError",
    "NotBoundError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ProviderKind",
    "RuntimeMetadata",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
    "nonblocking",
]
