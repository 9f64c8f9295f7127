"""Auth providers for the conformance tests; the request's values choose each behaviour."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from gestalt.auth import (
    AuthenticatedUser,
    AuthProvider,
    BeginLoginRequest,
    BeginLoginResponse,
    CompleteLoginRequest,
    InvalidArgumentError,
    InvalidToken,
    PermissionDeniedError,
    ProviderStateSigner,
    authorization_url,
)

SIGNER = ProviderStateSigner(b"k" * 32)


def user(code: str, email: str | None = None) -> AuthenticatedUser:
    return AuthenticatedUser(
        subject=f"sub-{code}",
        email=f"{code}@example.com" if email is None else email,
        email_verified=True,
        display_name=f"User {code}",
        avatar_url=f"https://img.example/{code}.png",
        claims={"code_seen": code},
    )


class SyncAuth(AuthProvider):
    """Every method, plain ``def``."""

    def begin_login(self, request: BeginLoginRequest) -> BeginLoginResponse:
        state = request.host_state
        if state == "none":
            return None  # type: ignore[return-value]
        if state.startswith("boom"):
            raise RuntimeError(f"exploded holding {state}")
        if state == "relative":
            return BeginLoginResponse("/authorize?x=1")
        if state == "denied":
            raise PermissionDeniedError("logins are closed")
        url = authorization_url(
            "https://idp.test/authorize?tenant=t1",
            {"state": state, "redirect_uri": request.callback_url, "scope": "openid email"},
        )
        return BeginLoginResponse(url, SIGNER.sign_json({"state": state}))

    def complete_login(self, request: CompleteLoginRequest) -> AuthenticatedUser:
        mode = request.query.get("mode", "")
        code = request.query.get("code", "")
        if mode == "none":
            return None  # type: ignore[return-value]
        if mode == "noemail":
            return user(code, email="")
        if mode == "boom":
            raise RuntimeError(f"token exchange failed for code {code}")
        if mode == "badclaims":
            return AuthenticatedUser("s", "e@example.com", claims={"n": 1})  # type: ignore[dict-item]
        if mode == "wrongtype":
            return {"email": "x@example.com"}  # type: ignore[return-value]
        if not code:
            raise InvalidArgumentError("callback has no code")
        signed = SIGNER.verify_json(request.provider_state)
        if signed.get("state") != request.query.get("state"):
            raise InvalidArgumentError("state mismatch")
        return user(code)

    def validate_external_token(self, token: str) -> AuthenticatedUser | None:
        if token.startswith("ok-"):
            return user(token[3:])
        if token.startswith("slow-"):
            time.sleep(0.2)
            return user(token[5:])
        if token.startswith("invalid-"):
            raise InvalidToken(f"rejected {token}")
        if token.startswith("boom-"):
            raise ValueError(f"could not parse {token}")
        if token.startswith("noemail-"):
            return user(token, email="")
        return None

    def session_ttl(self) -> timedelta:
        return timedelta(hours=8, seconds=0.9)


class AsyncAuth:
    """Only the required methods, ``async def``, no base class: optional ones UNIMPLEMENTED."""

    async def begin_login(self, request: BeginLoginRequest) -> BeginLoginResponse:
        await asyncio.sleep(0)
        return BeginLoginResponse(f"https://idp.test/a?state={request.host_state}")

    async def complete_login(self, request: CompleteLoginRequest) -> AuthenticatedUser:
        await asyncio.sleep(0.2)
        if request.query.get("mode") == "boom":
            raise KeyError(request.query.get("code"))
        return user(request.query.get("code", "anon"))


class NegativeTTL(AsyncAuth):
    def session_ttl(self) -> int:
        return -30


class FailingTTL(AsyncAuth):
    async def session_ttl(self) -> timedelta:
        raise RuntimeError("ttl store down")


auth = SyncAuth()
async_auth = AsyncAuth()
not_a_provider = object()
