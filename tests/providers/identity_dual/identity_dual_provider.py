"""One provider for both generations of host: the protocol-2 login and the protocol-5
``Identity`` rpcs, ``async def`` throughout."""

from __future__ import annotations

from gestalt.auth import (
    AsyncIdentityProvider,
    AuthenticatedUser,
    AuthorizeRequest,
    AuthorizeResponse,
    AuthProvider,
    BeginLoginRequest,
    BeginLoginResponse,
    Caller,
    CompleteLoginRequest,
    Introspection,
    IntrospectRequest,
    TokenRequest,
    TokenResponse,
    UserInfo,
)


class DualProvider(AuthProvider, AsyncIdentityProvider):
    """Logs people in on protocol 2 and acts as an authorization server on protocol 5."""

    async def begin_login(self, request: BeginLoginRequest) -> BeginLoginResponse:
        return BeginLoginResponse(f"https://idp.test/login?state={request.host_state}")

    async def complete_login(self, request: CompleteLoginRequest) -> AuthenticatedUser:
        code = request.query.get("code", "")
        return AuthenticatedUser(subject=code, email=f"{code}@example.com")

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResponse:
        return AuthorizeResponse(f"{request.redirect_uri}?code=dual&state={request.state}")

    async def token(self, request: TokenRequest) -> TokenResponse:
        return TokenResponse(f"tok-{request.code}")

    async def introspect(self, request: IntrospectRequest) -> Introspection:
        return Introspection(active=request.token == "tok-dual", subject="user:dual")

    async def user_info(self, caller: Caller) -> UserInfo:
        return UserInfo("user:dual", name=f"holder of {len(caller.bearer_token)} characters")


provider = DualProvider()
