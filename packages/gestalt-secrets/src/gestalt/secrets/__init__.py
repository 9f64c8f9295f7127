"""Write Gestalt secrets providers: resolve a secret's name to its value.

A provider is any object with ``get_secret(name) -> str`` (``def`` or ``async def``).
Raise :class:`SecretNotFound` for a missing secret; an empty string is a valid value.
:class:`EnvSecretsProvider` is a ready provider backed by environment variables and files.
"""

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
from gestalt.secrets._env import EnvSecretsProvider
from gestalt.secrets._provider import SecretNotFound, SecretsProvider
from gestalt.secrets._version import __version__

__all__ = [
    "AlreadyExistsError",
    "EnvSecretsProvider",
    "FailedPreconditionError",
    "GestaltError",
    "InternalError",
    "InvalidArgumentError",
    "NotBoundError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "RuntimeMetadata",
    "SecretNotFound",
    "SecretsProvider",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
]
