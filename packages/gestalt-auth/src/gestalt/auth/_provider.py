"""The auth provider interface: two required methods, two optional ones found by name."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from gestalt.auth._types import (
    AuthenticatedUser,
    BeginLoginRequest,
    BeginLoginResponse,
    CompleteLoginRequest,
)


class AuthProvider:
    """Base class for an auth provider; subclassing is optional.

    Any object with ``begin_login(request)`` and ``complete_login(request)`` serves as an
    auth provider; each method may be ``def`` or ``async def``. Two optional methods are
    found by name when the provider is loaded, and answered ``UNIMPLEMENTED`` when absent:

    - ``validate_external_token(token) -> AuthenticatedUser | None``: accept a token
      the identity provider issued. ``None`` or :class:`InvalidToken` means
      "token not recognized" (``NOT_FOUND``).
    - ``session_ttl() -> timedelta | int | float | None``: the lifetime of sessions the
      host opens after a login. Sent as whole seconds; negatives become 0, and 0 or
      ``None`` mean the host's default (24 hours).

    The lifecycle hooks ``configure(name, config)``, ``health_check()``, ``metadata()``,
    ``warnings()`` and ``close()`` are optional too.
    """

    def begin_login(
        self, request: BeginLoginRequest
    ) -> BeginLoginResponse | Awaitable[BeginLoginResponse]:
        """Start a login: where to send the browser, and opaque state to get back."""
        raise NotImplementedError("AuthProvider subclasses implement begin_login(request)")

    def complete_login(
        self, request: CompleteLoginRequest
    ) -> AuthenticatedUser | Awaitable[AuthenticatedUser]:
        """Finish a login from the callback's query: exchange the code, return the user.

        Raise :class:`gestalt.core.InvalidArgumentError` (or another ``GestaltError``)
        to refuse a login with a status of your choosing; its message reaches the host.
        """
        raise NotImplementedError("AuthProvider subclasses implement complete_login(request)")

    def configure(self, name: str, config: dict[str, Any]) -> None:
        """Receive the instance name and config from the host (default: ignore them)."""


@runtime_checkable
class ExternalTokenValidator(Protocol):
    """A provider that accepts identity-provider tokens (the optional method's shape)."""

    def validate_external_token(
        self, token: str
    ) -> AuthenticatedUser | Awaitable[AuthenticatedUser | None] | None:
        """The token's user, or ``None`` / :class:`InvalidToken` if it is not valid."""
        ...


@runtime_checkable
class SessionTTLProvider(Protocol):
    """A provider that sets the host's session lifetime (the optional method's shape)."""

    def session_ttl(
        self,
    ) -> timedelta | float | Awaitable[timedelta | float | None] | None:
        """The session lifetime."""
        ...
