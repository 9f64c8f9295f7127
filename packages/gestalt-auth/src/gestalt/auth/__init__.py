"""Write Gestalt auth and identity providers, for either generation of host.

A protocol-2 host calls an *auth provider*: any object with ``begin_login(request)`` and
``complete_login(request)``; ``validate_external_token(token)`` and ``session_ttl()``
are optional and found by name. A protocol-5 host calls an *identity provider*, an
OAuth 2.0 authorization server: ``authorize``, ``token`` and ``introspect`` are required,
``user_info``, ``list_grants``, ``get_grant`` and ``revoke_grant`` optional
(:class:`IdentityProvider`, :class:`AsyncIdentityProvider`). One object may implement
both. Every method may be ``def`` or ``async def``.

:func:`authorization_url` and :class:`ProviderStateSigner` cover what every OAuth/OIDC
auth provider needs: a query that survives the host's ``state`` rewrite, and provider
state that the browser cannot alter unnoticed.
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
    from gestalt.auth._identity_provider import AsyncIdentityProvider, IdentityProvider
    from gestalt.auth._identity_types import (
        AuthorizeRequest,
        AuthorizeResponse,
        Caller,
        Grant,
        GrantScope,
        Introspection,
        IntrospectRequest,
        TokenRequest,
        TokenResponse,
        UserInfo,
    )
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
    "AsyncIdentityProvider",
    "AuthProvider",
    "AuthenticatedUser",
    "AuthorizeRequest",
    "AuthorizeResponse",
    "BeginLoginRequest",
    "BeginLoginResponse",
    "Caller",
    "CompleteLoginRequest",
    "ExternalTokenValidator",
    "FailedPreconditionError",
    "GestaltError",
    "Grant",
    "GrantScope",
    "IdentityProvider",
    "InternalError",
    "IntrospectRequest",
    "Introspection",
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
    "TokenRequest",
    "TokenResponse",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UserInfo",
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
    "AsyncIdentityProvider": "._identity_provider",
    "IdentityProvider": "._identity_provider",
    **dict.fromkeys(
        (
            "AuthorizeRequest",
            "AuthorizeResponse",
            "Caller",
            "Grant",
            "GrantScope",
            "Introspection",
            "IntrospectRequest",
            "TokenRequest",
            "TokenResponse",
            "UserInfo",
        ),
        "._identity_types",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)
