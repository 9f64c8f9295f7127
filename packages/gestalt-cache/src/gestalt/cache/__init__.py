"""Write Gestalt cache providers, and use the cache the host binds to an integration.

A provider is any object with ``get``, ``set``, ``delete`` and ``touch`` methods (``def``
or ``async def``); ``get_many``, ``set_many`` and ``delete_many`` are optional batch forms.
:class:`MemoryCache` is a ready provider. :class:`Cache` and :class:`AsyncCache` are
clients for the host's cache service (``GESTALT_CACHE_SOCKET[_<NAME>]``).
"""

from typing import TYPE_CHECKING

from gestalt.cache._version import __version__
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
from gestalt.core.serving import HOST_MAX_MESSAGE_BYTES, lazy_attributes

if TYPE_CHECKING:
    from gestalt.cache._client import (
        AsyncCache,
        Cache,
        CacheNotBoundError,
        MessageTooLargeError,
        cache_socket_env,
    )
    from gestalt.cache._memory import MemoryCache
    from gestalt.cache._provider import AsyncCacheProvider, CacheEntry, CacheProvider

__all__ = [
    "HOST_MAX_MESSAGE_BYTES",
    "AlreadyExistsError",
    "AsyncCache",
    "AsyncCacheProvider",
    "Cache",
    "CacheEntry",
    "CacheNotBoundError",
    "CacheProvider",
    "FailedPreconditionError",
    "GestaltError",
    "InternalError",
    "InvalidArgumentError",
    "MemoryCache",
    "MessageTooLargeError",
    "NotBoundError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "RuntimeMetadata",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
    "cache_socket_env",
]

# Where each lazily imported name lives; the runtime's start path imports only what it
# uses (gestalt.core._lazy says why).
_ORIGINS = {
    "AsyncCache": "._client",
    "Cache": "._client",
    "CacheNotBoundError": "._client",
    "MessageTooLargeError": "._client",
    "cache_socket_env": "._client",
    "MemoryCache": "._memory",
    "AsyncCacheProvider": "._provider",
    "CacheEntry": "._provider",
    "CacheProvider": "._provider",
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)
