"""The shared core of the Gestalt Python SDK: errors, kinds, metadata and serving helpers.

Provider authors mostly meet it through its errors (re-exported by every surface) and
:class:`RuntimeMetadata`. Surface distributions build on :class:`Surface`,
:class:`LoadedProvider` and :class:`Runtime`. The host emulator lives in
:mod:`gestalt.core.testing`; the generated wire types in :mod:`gestalt.provider.v1`.
"""

from gestalt.core._errors import (
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
    error_for_grpc,
    grpc_code_for_http,
    http_status_for_grpc,
)
from gestalt.core._kinds import PROTOCOL_VERSION, ProviderKind
from gestalt.core._lazy import lazy_attributes
from gestalt.core._metadata import RuntimeMetadata
from gestalt.core._serving import Context, Runtime, abort_for, streaming, unary
from gestalt.core._structs import dict_to_struct, python_to_value, struct_to_dict, value_to_python
from gestalt.core._surface import Hooks, LoadedProvider, Surface, TargetError, resolve_target
from gestalt.core._version import __version__

__all__ = [
    "PROTOCOL_VERSION",
    "AlreadyExistsError",
    "Context",
    "FailedPreconditionError",
    "GestaltError",
    "Hooks",
    "InternalError",
    "InvalidArgumentError",
    "LoadedProvider",
    "NotBoundError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ProviderKind",
    "Runtime",
    "RuntimeMetadata",
    "Surface",
    "TargetError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
    "abort_for",
    "dict_to_struct",
    "error_for_grpc",
    "grpc_code_for_http",
    "http_status_for_grpc",
    "lazy_attributes",
    "python_to_value",
    "resolve_target",
    "streaming",
    "struct_to_dict",
    "unary",
    "value_to_python",
]
