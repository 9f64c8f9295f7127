"""Write Gestalt auth providers: browser logins, external tokens and session lifetimes.

A provider is any object with ``begin_login(request)`` and ``complete_login(request)``
(``def`` or ``async def``); ``validate_external_token(token)`` and ``session_ttl()`` are
optional and found by name. :func:`authorization_url` and :class:`ProviderStateSigner`
cover what every OAuth/OIDC provider needs: a query that survives the host's ``state``
rewrite, and provider state that the browser cannot alter unnoticed.
"""

from typing import TYPE_CHECKING

from gestalt.auth._version import __version__
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

if TYPE_CHECKING:
    from gestalt.auth._helpers import InvalidProviderState, ProviderStateSigner, authorization_url
    from gestalt.auth._provider import AuthProvider, ExternalTokenValidator, SessionTTLProvider
    from gestalt.auth._types import (
        AuthenticatedUser,
        BeginLoginRequest,
        BeginLoginResponse,
        CompleteLoginRequest,
        InvalidToken,
    )

__all__ = [
    "AlreadyExistsError",
    "AuthProvider",
    "AuthenticatedUser",
    "BeginLoginRequest",
    "BeginLoginResponse",
    "CompleteLoginRequest",
    "ExternalTokenValidator",
    "FailedPreconditionError",
    "GestaltError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidProviderState",
    "InvalidToken",
    "NotBoundError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ProviderStateSigner",
    "RuntimeMetadata",
    "SessionTTLProvider",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "__version__",
    "authorization_url",
]

# Where each lazily imported name lives; the runtime's start path imports only what it
# uses (gestalt.core._lazy says why).
_ORIGINS = {
    "InvalidProviderState": "._helpers",
    "ProviderStateSigner": "._helpers",
    "authorization_url": "._helpers",
    "AuthProvider": "._provider",
    "ExternalTokenValidator": "._provider",
    "SessionTTLProvider": "._provider",
    "AuthenticatedUser": "._types",
    "BeginLoginRequest": "._types",
    "BeginLoginResponse": "._types",
    "CompleteLoginRequest": "._types",
    "InvalidToken": "._types",
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)
