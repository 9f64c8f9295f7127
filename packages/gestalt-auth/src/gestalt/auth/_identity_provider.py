"""The identity provider interface (protocol 5): three required methods, four optional.

An identity provider is the OAuth 2.0 authorization server of a Gestalt deployment:
``authorize``, ``token`` and ``introspect`` are required; ``user_info``, ``list_grants``,
``get_grant`` and ``revoke_grant`` are optional and answer ``UNIMPLEMENTED`` when the
provider does not define them. The base classes only document and type the shape:
any object with the required methods serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gestalt.auth._identity_types import (
    AuthorizeRequest,
    AuthorizeResponse,
    Caller,
    Grant,
    Introspection,
    IntrospectRequest,
    TokenRequest,
    TokenResponse,
    UserInfo,
)
from gestalt.core import UnimplementedError


class IdentityProvider:
    """Base class for an identity provider of blocking (``def``) methods; optional.

    Methods run in the runtime's thread pool, so they may block. Raise a
    :class:`gestalt.core.GestaltError` (``UnauthenticatedError``, ``NotFoundError``,
    ``InvalidArgumentError``, ...) to answer with its status and message; any other
    exception reaches the host as ``UNKNOWN "<rpc>: internal error"`` and its text is
    never shown or logged, since identity code handles tokens. Methods not overridden
    here count as absent: a required one fails the start, an optional one answers
    ``UNIMPLEMENTED``.

    The lifecycle hooks ``configure(name, config)``, ``start()``, ``health_check()``,
    ``metadata()``, ``warnings()`` and ``close()`` are optional too.
    """

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        """Answer an authorization request with where to send the user agent."""
        raise NotImplementedError("IdentityProvider subclasses implement authorize(request)")

    def token(self, request: TokenRequest) -> TokenResponse:
        """Issue tokens for an authorization code or a token exchange."""
        raise NotImplementedError("IdentityProvider subclasses implement token(request)")

    def introspect(self, request: IntrospectRequest) -> Introspection:
        """Say what a token is; ``Introspection(active=False)`` if unknown."""
        raise NotImplementedError("IdentityProvider subclasses implement introspect(request)")

    def user_info(self, caller: Caller) -> UserInfo:
        """The caller's profile (optional)."""
        raise UnimplementedError("user info is not implemented")

    def list_grants(self, caller: Caller) -> Sequence[str]:
        """Ids of the caller's API-token grants (made by token exchange; optional)."""
        raise UnimplementedError("listing grants is not implemented")

    def get_grant(self, grant_id: str, caller: Caller) -> Grant:
        """One of the caller's grants; ``NotFoundError`` when they have none by that id."""
        raise UnimplementedError("getting a grant is not implemented")

    def revoke_grant(self, grant_id: str, caller: Caller) -> None:
        """Revoke one of the caller's grants (optional)."""
        raise UnimplementedError("revoking grants is not implemented")

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""


class AsyncIdentityProvider:
    """Base class for an identity provider of ``async def`` methods; optional.

    The same contract as :class:`IdentityProvider`; the methods run on the runtime's
    event loop, so they must not block it.
    """

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        """Answer an authorization request with where to send the user agent."""
        raise NotImplementedError("AsyncIdentityProvider subclasses implement authorize(request)")

    async def token(self, request: TokenRequest) -> TokenResponse:
        """Issue tokens for an authorization code or a token exchange."""
        raise NotImplementedError("AsyncIdentityProvider subclasses implement token(request)")

    async def introspect(self, request: IntrospectRequest) -> Introspection:
        """Say what a token is; ``Introspection(active=False)`` if unknown."""
        raise NotImplementedError("AsyncIdentityProvider subclasses implement introspect(request)")

    async def user_info(self, caller: Caller) -> UserInfo:
        """The caller's profile (optional)."""
        raise UnimplementedError("user info is not implemented")

    async def list_grants(self, caller: Caller) -> Sequence[str]:
        """Ids of the caller's API-token grants (made by token exchange; optional)."""
        raise UnimplementedError("listing grants is not implemented")

    async def get_grant(self, grant_id: str, caller: Caller) -> Grant:
        """One of the caller's grants; ``NotFoundError`` when they have none by that id."""
        raise UnimplementedError("getting a grant is not implemented")

    async def revoke_grant(self, grant_id: str, caller: Caller) -> None:
        """Revoke one of the caller's grants (optional)."""
        raise UnimplementedError("revoking grants is not implemented")

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""
