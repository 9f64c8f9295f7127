"""Identity providers (protocol 5 only) for the conformance tests; the request's values
choose each behaviour. Tokens look like ``tok-<user>``; grants ``g-1`` and ``g-2`` exist."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from gestalt.auth import (
    AsyncIdentityProvider,
    AuthorizeRequest,
    AuthorizeResponse,
    Caller,
    Grant,
    GrantScope,
    IdentityProvider,
    Introspection,
    IntrospectRequest,
    InvalidArgumentError,
    InvalidToken,
    NotFoundError,
    PermissionDeniedError,
    TokenRequest,
    TokenResponse,
    UnauthenticatedError,
    UserInfo,
)

GRANTS = {
    "g-1": Grant(
        scopes=[GrantScope("repo:read", ["repo:a", "repo:b"]), GrantScope("profile")],
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        expires_at=1_900_000_000,
    ),
    "g-2": Grant(scopes=[GrantScope("admin")]),
    "naive": Grant(created_at=datetime(2026, 1, 1)),
}


def user_of(caller: Caller) -> str:
    """The user a ``tok-<user>`` bearer token stands for; ``UNAUTHENTICATED`` otherwise."""
    if caller.bearer_token.startswith("crash"):
        raise RuntimeError(f"lookup failed for {caller.bearer_token}")
    if not caller.bearer_token.startswith("tok-"):
        raise UnauthenticatedError("a valid bearer token is required")
    return caller.bearer_token.removeprefix("tok-")


class SyncIdentity(IdentityProvider):
    """Every method, plain ``def``."""

    def __init__(self) -> None:
        self.revoked: list[str] = []

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        if request.client_id == "none":
            return None  # type: ignore[return-value]
        if request.client_id == "boom":
            raise RuntimeError(f"exploded holding {request.state}")
        if request.client_id == "denied":
            raise PermissionDeniedError("client not allowed")
        if request.client_id == "wrongtype":
            return request.redirect_uri  # type: ignore[return-value]
        query = urllib.parse.urlencode({"code": f"code-{request.scope}", "state": request.state})
        return AuthorizeResponse(f"{request.redirect_uri}?{query}")

    def token(self, request: TokenRequest) -> TokenResponse:
        if request.grant_type == TokenRequest.TOKEN_EXCHANGE:
            who = user_of(Caller(request.subject_token))
            return TokenResponse(
                f"tok-{who}", expires_in=request.expires_in, scope=request.scope, grant_id="g-2"
            )
        if request.grant_type != TokenRequest.AUTHORIZATION_CODE:
            raise InvalidArgumentError("unsupported_grant_type")
        if request.code == "negative":
            return TokenResponse("tok-x", expires_in=-1)
        if request.code == "empty":
            return TokenResponse("")
        if not request.code.startswith("code-"):
            raise InvalidArgumentError("invalid_grant")
        return TokenResponse(
            f"tok-{request.code.removeprefix('code-')}",
            expires_in=timedelta(hours=1),
            refresh_token="refresh-1",
            scope="openid",
            grant_id="g-1",
        )

    def introspect(self, request: IntrospectRequest) -> Introspection:
        token = request.token
        if token.startswith("invalid-"):
            raise InvalidToken(f"rejected {token}")
        if token.startswith("boom-"):
            raise RuntimeError(f"introspection failed for {token}")
        if token == "nosubject":
            return Introspection(active=True)
        if token == "none":
            return None  # type: ignore[return-value]
        if not token.startswith("tok-"):
            return Introspection(active=False)
        return Introspection(
            active=True,
            subject=f"user:{token.removeprefix('tok-')}",
            scope="repo:read",
            client_id="cli",
            audience=["gestalt", "api"],
        )

    def user_info(self, caller: Caller) -> UserInfo:
        who = user_of(caller)
        return UserInfo(f"user:{who}", email=f"{who}@example.com", name=who.title())

    def list_grants(self, caller: Caller) -> Sequence[str]:
        user_of(caller)
        return ["g-1", "g-2"]

    def get_grant(self, grant_id: str, caller: Caller) -> Grant:
        user_of(caller)
        if grant_id not in GRANTS:
            raise NotFoundError("no such grant")
        return GRANTS[grant_id]

    def revoke_grant(self, grant_id: str, caller: Caller) -> None:
        user_of(caller)
        if grant_id not in GRANTS:
            raise NotFoundError("no such grant")
        self.revoked.append(grant_id)


class RequiredOnly(AsyncIdentityProvider):
    """Only the three required methods, ``async def``: the optional rpcs are
    ``UNIMPLEMENTED``."""

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        return AuthorizeResponse(f"{request.redirect_uri}?code=async&state={request.state}")

    async def token(self, request: TokenRequest) -> TokenResponse:
        return TokenResponse(f"tok-{request.code}", expires_in=60)

    async def introspect(self, request: IntrospectRequest) -> Introspection:
        if request.token == "boom":
            raise RuntimeError("introspection exploded")
        return Introspection(active=request.token == "tok-a", subject="user:a")


class Structural:
    """No base class: the required methods are found by name."""

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        return AuthorizeResponse("https://client.test/cb?code=s")

    def token(self, request: TokenRequest) -> TokenResponse:
        return TokenResponse("tok-s")

    def introspect(self, request: IntrospectRequest) -> Introspection:
        return Introspection(active=False)


class NoIntrospect(IdentityProvider):
    """Leaves a required method to the base class: not an identity provider."""

    def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        return AuthorizeResponse("https://client.test/cb")

    def token(self, request: TokenRequest) -> TokenResponse:
        return TokenResponse("tok")


identity = SyncIdentity()
